package org.exoip.exoscale.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The metadata server answers each instance by the request's source address. Java's HttpClient
 * cannot choose its source address, so these requests are raw HTTP/1.1 over a bound Socket.
 */
class MetadataTest extends StandinTestBase {

    @Test
    void answersTheInstanceWhosePublicIpIsTheSourceAddress() throws Exception {
        assertEquals(new Reply(200, node1), fetch("127.0.0.1", "/latest/meta-data/instance-id"));
        assertEquals(new Reply(200, node2), fetch("127.0.0.2", "/latest/meta-data/instance-id"));
        assertEquals(new Reply(200, node3), fetch("127.0.0.3", "/1.0/meta-data/instance-id"));
    }

    @Test
    void answersZoneAndPublicAddress() throws Exception {
        assertEquals(new Reply(200, "ch-gva-2"), fetch("127.0.0.2", "/latest/meta-data/availability-zone"));
        assertEquals(new Reply(200, "127.0.0.2"), fetch("127.0.0.2", "/latest/meta-data/public-ipv4"));
        state.setZone("de-fra-1");
        assertEquals(new Reply(200, "de-fra-1"), fetch("127.0.0.3", "/1.0/meta-data/availability-zone"));
    }

    @Test
    void unknownSourceOrKeyIs404() throws Exception {
        assertEquals(404, fetch("127.0.0.4", "/latest/meta-data/instance-id").status());
        assertEquals(404, fetch("127.0.0.1", "/latest/meta-data/user-data").status());
    }

    @Test
    void countsMetadataRequests() throws Exception {
        fetch("127.0.0.2", "/latest/meta-data/instance-id");
        assertEquals(1L, server.requestCounts().get("GET /latest/meta-data/instance-id"));
    }

    private record Reply(int status, String body) {
    }

    /** One {@code GET} from {@code source}, with {@code Connection: close} so the body ends at EOF. */
    private Reply fetch(String source, String path) throws IOException {
        InetSocketAddress target = server.address();
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(5000);
            socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            socket.connect(target, 5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String response = all.toString(StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            return new Reply(status, response.substring(response.indexOf("\r\n\r\n") + 4));
        }
    }
}
