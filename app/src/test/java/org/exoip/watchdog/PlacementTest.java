package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code --spread}: the homes are the same on every node, balanced, and a node that dies moves only
 * its own addresses, which come back with it. The elections are run as the nodes run them: each
 * address's winner among the alive nodes, by advertised priority (worse away from home) then
 * rendezvous weight.
 */
class PlacementTest {

    private static final int BASE = 10;

    @Test
    void theWeightIsSha256OfTheAdvertBytesOfAddressAndId() {
        // python3: hashlib.sha256(IPv4Address('198.51.100.50').packed + UUID('1128bd56-...').bytes).digest()[:8]
        assertEquals(0x222f41852ccd72afL,
                Placement.weight(ip(0xc6336432), UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11")));
    }

    @Test
    void everyNodeDealsTheSameHomesWhateverOrderItKnowsThingsIn() {
        Random random = new Random(7);
        for (int trial = 0; trial < 50; trial++) {
            List<UUID> nodes = ids(random, 2 + random.nextInt(7));
            List<Inet4Address> addresses = addresses(1 + random.nextInt(16));
            Map<Inet4Address, List<UUID>> known = new LinkedHashMap<>();
            addresses.forEach(a -> known.put(a, nodes));
            Map<Inet4Address, List<UUID>> shuffled = new LinkedHashMap<>();
            List<Inet4Address> order = new ArrayList<>(addresses);
            Collections.shuffle(order, random);
            for (Inet4Address a : order) {
                List<UUID> mixed = new ArrayList<>(nodes);
                Collections.shuffle(mixed, random);
                shuffled.put(a, mixed);
            }
            assertEquals(Placement.homes(known), Placement.homes(shuffled));
        }
    }

    @Test
    void eachNodeIsHomeForWithinOneAddressOfMOverN() {
        Random random = new Random(11);
        for (int n = 2; n <= 8; n++) {
            for (int m = 1; m <= 16; m++) {
                for (int trial = 0; trial < 20; trial++) {
                    List<UUID> nodes = ids(random, n);
                    Map<Inet4Address, UUID> homes = Placement.homes(everyoneKeepsAll(addresses(m), nodes));
                    assertEquals(m, homes.size());
                    Map<UUID, Long> load = homes.values().stream()
                            .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
                    for (UUID node : nodes) {
                        long has = load.getOrDefault(node, 0L);
                        assertTrue(Math.abs(has - (double) m / n) < 1, n + " nodes, " + m + " addresses: " + node
                                + " is home for " + has + " (" + load + ")");
                    }
                }
            }
        }
    }

    @Test
    void aNodeThatDiesMovesOnlyItsOwnAddressesAndTheyComeBackWithIt() {
        Random random = new Random(13);
        for (int n = 2; n <= 8; n++) {
            for (int m = 1; m <= 16; m++) {
                List<UUID> nodes = ids(random, n);
                List<Inet4Address> addresses = addresses(m);
                // A dead node stays known: its peer entry keeps its id, so the homes do not move.
                Map<Inet4Address, UUID> homes = Placement.homes(everyoneKeepsAll(addresses, nodes));
                Map<Inet4Address, UUID> all = masters(addresses, nodes, homes);
                assertEquals(homes, all, "with every node alive, each address is mastered at its home");
                for (UUID dead : nodes) {
                    List<UUID> alive = new ArrayList<>(nodes);
                    alive.remove(dead);
                    Map<Inet4Address, UUID> without = masters(addresses, alive, homes);
                    for (Inet4Address a : addresses) {
                        if (all.get(a).equals(dead)) {
                            assertNotEquals(dead, without.get(a));
                        } else {
                            assertEquals(all.get(a), without.get(a), a.getHostAddress() + " moved although "
                                    + all.get(a) + " is alive; only " + dead + " died");
                        }
                    }
                    assertEquals(all, masters(addresses, nodes, homes), "it comes back: its addresses with it");
                }
            }
        }
    }

    @Test
    void aDeadNodesAddressesGoToTheirOwnBestSurvivorsNotAllToOne() {
        Random random = new Random(17);
        List<UUID> nodes = ids(random, 4);
        List<Inet4Address> addresses = addresses(16);
        Map<Inet4Address, UUID> homes = Placement.homes(everyoneKeepsAll(addresses, nodes));
        UUID dead = nodes.get(0);
        List<UUID> alive = nodes.subList(1, 4);
        Map<Inet4Address, UUID> without = masters(addresses, alive, homes);
        Set<UUID> heirs = addresses.stream().filter(a -> homes.get(a).equals(dead)).map(without::get)
                .collect(Collectors.toSet());
        assertTrue(heirs.size() > 1, "the 4 addresses of the dead node all went to " + heirs);
    }

    @Test
    void aNodeKnownForSomeAddressesOnlyIsHomeOnlyForThose() {
        Random random = new Random(19);
        List<UUID> nodes = ids(random, 3);
        List<Inet4Address> addresses = addresses(4);
        Map<Inet4Address, List<UUID>> known = new HashMap<>(everyoneKeepsAll(addresses, nodes.subList(0, 2)));
        known.put(addresses.get(3), nodes); // the third node keeps the last address only
        Map<Inet4Address, UUID> homes = Placement.homes(known);
        assertEquals(4, homes.size());
        for (Inet4Address a : addresses.subList(0, 3)) {
            assertTrue(nodes.subList(0, 2).contains(homes.get(a)), "home of " + a + ": " + homes.get(a));
        }
    }

    @Test
    void awayIsOneWorseButNeverTheStoppingPriority() {
        assertEquals(11, Placement.away(10));
        assertEquals(1, Placement.away(0));
        assertEquals(254, Placement.away(253));
        assertEquals(254, Placement.away(254));
        assertEquals(Priority.WORST, Placement.away(Priority.WORST), "a stopping node stays stopping");
    }

    /** Each address's master as the elections find it: advertised priority (worse away from home), then weight. */
    private static Map<Inet4Address, UUID> masters(List<Inet4Address> addresses, List<UUID> alive,
            Map<Inet4Address, UUID> homes) {
        Map<Inet4Address, UUID> masters = new HashMap<>();
        for (Inet4Address a : addresses) {
            List<Candidate> candidates = alive.stream()
                    .map(id -> new Candidate(id, id.equals(homes.get(a)) ? BASE : Placement.away(BASE))).toList();
            // Seen from each alive node in turn: every node must find the same winner.
            Set<UUID> verdicts = candidates.stream().map(self -> Election.winner(self,
                    candidates.stream().filter(c -> c != self).toList(), Placement.spread(a)).id())
                    .collect(Collectors.toSet());
            assertEquals(1, verdicts.size(), "the nodes disagree on " + a + ": " + verdicts);
            masters.put(a, verdicts.iterator().next());
        }
        return masters;
    }

    private static Map<Inet4Address, List<UUID>> everyoneKeepsAll(List<Inet4Address> addresses, List<UUID> nodes) {
        Map<Inet4Address, List<UUID>> known = new LinkedHashMap<>();
        addresses.forEach(a -> known.put(a, nodes));
        return known;
    }

    private static List<UUID> ids(Random random, int n) {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(new UUID(random.nextLong(), random.nextLong()));
        }
        return ids;
    }

    /** 198.51.100.50, .51, ... */
    private static List<Inet4Address> addresses(int m) {
        List<Inet4Address> out = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            out.add(ip(0xc6336432 + i));
        }
        return out;
    }

    private static Inet4Address ip(int value) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {
                (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
