package org.exoip.protocol;

import static org.exoip.protocol.Fixtures.EIP;
import static org.exoip.protocol.Fixtures.INSTANCE_ID;
import static org.exoip.protocol.Fixtures.KEY;
import static org.exoip.protocol.Fixtures.WORKED_HEX;
import static org.exoip.protocol.Fixtures.hex;
import static org.exoip.protocol.Fixtures.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node keeping several Elastic IPs decodes each one's adverts, in the original's bytes, and no other. */
class ElasticIpSetTest {

    private static final Inet4Address SECOND = ip("198.51.100.51");
    private static final ElasticIpSet BOTH = ElasticIpSet.of(List.of(EIP, SECOND));
    /** The worked advert with byte 7 (the address's last) 0x33: 198.51.100.51, nothing else moved. */
    private static final String SECOND_HEX = "02010a0a" + "c6336433" + "1128bd56b4d94ac6a7b9c715b187ce11";

    @Test
    void eachAddressKeepsTheOriginalsBytes() {
        assertArrayEquals(hex(WORKED_HEX), AdvertCodec.encode(new Advert(10, EIP, INSTANCE_ID)));
        assertArrayEquals(hex(SECOND_HEX), AdvertCodec.encode(new Advert(10, SECOND, INSTANCE_ID)));
    }

    @Test
    void decodesTheAdvertOfEitherAddressAsThatAddress() {
        assertEquals(new Advert(10, EIP, INSTANCE_ID), AdvertCodec.decode(Unpooled.wrappedBuffer(hex(WORKED_HEX)), BOTH));
        assertEquals(new Advert(10, SECOND, INSTANCE_ID),
                AdvertCodec.decode(Unpooled.wrappedBuffer(hex(SECOND_HEX)), BOTH));
    }

    @Test
    void anAddressNotKeptIsStillRejectedNamingWhatIsExpected() {
        AdvertRejectedException e = assertThrows(AdvertRejectedException.class,
                () -> AdvertCodec.decode(Unpooled.wrappedBuffer(hex(SECOND_HEX)), ElasticIpSet.of(EIP)));
        assertEquals(RejectReason.OTHER_ELASTIC_IP, e.reason());
        assertEquals("advert for elastic IP 198.51.100.51 (expected: 198.51.100.50)", e.getMessage());

        String third = "02010a0a" + "c6336434" + "1128bd56b4d94ac6a7b9c715b187ce11";
        e = assertThrows(AdvertRejectedException.class,
                () -> AdvertCodec.decode(Unpooled.wrappedBuffer(hex(third)), BOTH));
        assertEquals("advert for elastic IP 198.51.100.52 (expected: one of 198.51.100.50, 198.51.100.51)",
                e.getMessage());
    }

    @Test
    void authenticatedAdvertsOfEitherAddressDecode() {
        AuthenticatedAdvertCodec codec = new AuthenticatedAdvertCodec(new AdvertKeys(KEY));
        byte[] signed = codec.encode(new Advert(20, SECOND, INSTANCE_ID), 7);
        assertEquals(new Advert(20, SECOND, INSTANCE_ID), codec.decode(Unpooled.wrappedBuffer(signed), BOTH).advert());
    }

    @Test
    void matchesByTheAddressValueAndKeepsOrderWithoutRepeats() {
        ElasticIpSet set = ElasticIpSet.of(List.of(SECOND, EIP, SECOND));
        assertEquals(List.of(SECOND, EIP), set.addresses());
        assertEquals(SECOND, set.match(0xc6336433));
        assertNull(set.match(0xc6336434));
        assertThrows(IllegalArgumentException.class, () -> ElasticIpSet.of(List.of()));
    }
}
