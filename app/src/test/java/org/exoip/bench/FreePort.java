package org.exoip.bench;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Prints a free port on 127.0.0.1 ({@code tcp} or {@code udp}), for the shell harnesses. */
public final class FreePort {

    private FreePort() {
    }

    public static void main(String[] args) throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        if (args.length > 0 && args[0].equals("udp")) {
            try (DatagramSocket socket = new DatagramSocket(0, loopback)) {
                System.out.println(socket.getLocalPort());
            }
        } else {
            try (ServerSocket socket = new ServerSocket(0, 1, loopback)) {
                System.out.println(socket.getLocalPort());
            }
        }
    }
}
