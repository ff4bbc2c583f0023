package org.exoip.protocol;

import static org.exoip.protocol.Fixtures.EIP;
import static org.exoip.protocol.Fixtures.INSTANCE_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdvertTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 10, 255})
    void acceptsEveryPriorityThatFitsOneByte(int priority) {
        assertEquals(priority, new Advert(priority, EIP, INSTANCE_ID).priority());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 256, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void rejectsPriorityOutOfRangeNamingValueAndRange(int priority) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Advert(priority, EIP, INSTANCE_ID));
        assertEquals("priority " + priority + " out of range (expected: 0..255)", e.getMessage());
    }

    @Test
    void rejectsNullElasticIp() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new Advert(10, null, INSTANCE_ID));
        assertEquals("elasticIp", e.getMessage());
    }

    @Test
    void rejectsNullInstanceId() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new Advert(10, EIP, null));
        assertEquals("instanceId", e.getMessage());
    }

    @Test
    void withPriorityKeepsTheRest() {
        Advert advert = new Advert(10, EIP, INSTANCE_ID).withPriority(9);
        assertEquals(new Advert(9, EIP, INSTANCE_ID), advert);
    }

    @Test
    void withPriorityValidatesToo() {
        Advert advert = new Advert(255, EIP, INSTANCE_ID);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> advert.withPriority(256));
        assertEquals("priority 256 out of range (expected: 0..255)", e.getMessage());
    }
}
