package org.exoip.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InfoQueryTest {

    @ParameterizedTest
    @ValueSource(strings = {"info", "info\n", "info\r\n"})
    void recognisesTheQuery(String text) {
        ByteBuf buf = ascii(text);
        try {
            assertTrue(InfoQuery.matches(buf));
            assertEquals(0, buf.readerIndex(), "reader index untouched");
            assertEquals(text.length(), buf.readableBytes());
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "inf", "infox", "INFO", "Info", " info", "info ", "info\r", "info\n\n", "info\n\r",
            "info\r\n\n", "xinfo", "infoinfo"})
    void refusesAnythingElse(String text) {
        ByteBuf buf = ascii(text);
        try {
            assertFalse(InfoQuery.matches(buf));
        } finally {
            buf.release();
        }
    }

    @Test
    void looksOnlyAtTheReadableBytes() {
        ByteBuf buf = ascii("xxinfo\n");
        try {
            assertFalse(InfoQuery.matches(buf));
            buf.skipBytes(2);
            assertTrue(InfoQuery.matches(buf));
            assertEquals(2, buf.readerIndex());
        } finally {
            buf.release();
        }
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }
}
