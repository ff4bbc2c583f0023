package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The last good addresses of the API's host name, resolution by resolution, with no thread and no clock. */
class EndpointAddressesTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicReference<Object> answer = new AtomicReference<>();

    private final EndpointAddresses.Resolver resolver = host -> {
        Object next = answer.get();
        if (next instanceof UnknownHostException e) {
            throw e;
        }
        return (InetAddress[]) next;
    };

    private final EndpointAddresses addresses = new EndpointAddresses("api.exoip.test", resolver,
            Duration.ofSeconds(30), now::get);

    private static InetAddress ip(String text) throws UnknownHostException {
        return InetAddress.getByName(text);
    }

    @Test
    void aFailedResolutionKeepsTheLastGoodAddresses() throws Exception {
        answer.set(new InetAddress[] {ip("192.0.2.7")});
        addresses.resolveOnce();
        answer.set(new UnknownHostException("api.exoip.test: Temporary failure in name resolution"));
        addresses.resolveOnce();
        addresses.resolveOnce();
        assertEquals(ip("192.0.2.7"), addresses.current(Duration.ZERO));

        answer.set(new InetAddress[] {ip("192.0.2.8")});
        addresses.resolveOnce();
        assertEquals(ip("192.0.2.8"), addresses.current(Duration.ZERO), "a new answer replaces the old");
    }

    @Test
    void anEmptyAnswerIsNotAGoodOne() throws Exception {
        answer.set(new InetAddress[] {ip("192.0.2.7")});
        addresses.resolveOnce();
        answer.set(new InetAddress[0]);
        addresses.resolveOnce();
        assertEquals(ip("192.0.2.7"), addresses.current(Duration.ZERO));
    }

    @Test
    void aNameThatNeverResolvedSaysWhy() {
        answer.set(new UnknownHostException("api.exoip.test: Name or service not known"));
        addresses.resolveOnce();
        EndpointAddresses.UnresolvedException e = assertThrows(EndpointAddresses.UnresolvedException.class,
                () -> addresses.current(Duration.ZERO));
        assertEquals("cannot resolve api.exoip.test (api.exoip.test: Name or service not known)", e.getMessage());
    }

    @Test
    void aNameNotResolvedYetWithinTheWaitSaysSo() {
        EndpointAddresses.UnresolvedException e = assertThrows(EndpointAddresses.UnresolvedException.class,
                () -> addresses.current(Duration.ZERO));
        assertEquals("cannot resolve api.exoip.test (no answer from the resolver within 0 ms)", e.getMessage());
    }

    @Test
    void aRefusedAddressGivesWayToTheNext() throws Exception {
        answer.set(new InetAddress[] {ip("192.0.2.7"), ip("192.0.2.8")});
        addresses.resolveOnce();
        assertEquals(ip("192.0.2.7"), addresses.current(Duration.ZERO));
        addresses.failed(ip("192.0.2.8")); // not the one in use: nothing changes
        assertEquals(ip("192.0.2.7"), addresses.current(Duration.ZERO));
        addresses.failed(ip("192.0.2.7"));
        assertEquals(ip("192.0.2.8"), addresses.current(Duration.ZERO));
        addresses.failed(ip("192.0.2.8"));
        assertEquals(ip("192.0.2.7"), addresses.current(Duration.ZERO), "round the list");
    }

    @Test
    void theUrlOfARequestByAddressKeepsPathQueryAndPort() throws Exception {
        assertEquals("https://192.0.2.7:443/v2/elastic-ip/x:attach?a=%20b",
                ExoscaleClient.byAddress(java.net.URI.create("https://api.exoip.test/v2/elastic-ip/x:attach?a=%20b"),
                        ip("192.0.2.7")).toString());
        assertEquals("http://[2001:db8:0:0:0:0:0:1]:8080/v2",
                ExoscaleClient.byAddress(java.net.URI.create("http://api.exoip.test:8080/v2"), ip("2001:db8::1"))
                        .toString());
    }
}
