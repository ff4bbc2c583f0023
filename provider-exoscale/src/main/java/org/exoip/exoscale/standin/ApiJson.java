package org.exoip.exoscale.standin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of the Exoscale API v2 for the stand-in's resources, in kebab-case.
 *
 * <p>Every object carries {@code "x-standin": true}, a field the real API does not have, so that
 * clients prove they ignore unknown fields. Stateless.
 */
final class ApiJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private ApiJson() {
    }

    static ObjectNode elasticIp(StandinState.ElasticIp eip) {
        ObjectNode node = object();
        node.put("id", eip.id());
        node.put("ip", eip.ip());
        node.put("addressfamily", eip.addressFamily());
        node.put("cidr", eip.ip() + ("inet4".equals(eip.addressFamily()) ? "/32" : "/128"));
        node.put("description", eip.description());
        labels(node, eip.labels());
        return node;
    }

    /** An instance; {@code withElasticIps} false gives the list-item shape, which lacks them. */
    static ObjectNode instance(StandinState.Instance instance, boolean withElasticIps) {
        ObjectNode node = object();
        node.put("id", instance.id());
        node.put("name", instance.name());
        node.put("state", instance.state());
        if (instance.publicIp() != null) {
            node.put("public-ip", instance.publicIp());
        }
        node.put("public-ip-assignment", instance.publicIp() == null ? "none" : "inet4");
        node.set("security-groups", idObjects(instance.securityGroupIds()));
        if (withElasticIps) {
            node.set("elastic-ips", idObjects(instance.elasticIpIds()));
        }
        ArrayNode networks = node.putArray("private-networks");
        instance.privateNetworkIds().forEach(net -> networks.addObject().put("id", net)
                .put("mac-address", macAddress(net, instance.id())));
        labels(node, instance.labels());
        if (instance.poolId() != null) {
            node.putObject("manager").put("id", instance.poolId()).put("type", "instance-pool");
        }
        return node;
    }

    /** An instance pool, with the ids of its members. */
    static ObjectNode instancePool(StandinState.InstancePool pool, List<String> memberIds) {
        ObjectNode node = object();
        node.put("id", pool.id());
        node.put("name", pool.name());
        node.put("state", "running");
        if (!memberIds.isEmpty()) {
            // The official description has size > 0: an empty pool shows none.
            node.put("size", memberIds.size());
        }
        node.set("instances", idObjects(memberIds));
        node.set("elastic-ips", idObjects(pool.elasticIpIds()));
        labels(node, pool.labels());
        return node;
    }

    /** A managed private network with its leases ({@code instance-id}, {@code ip}). */
    static ObjectNode privateNetwork(StandinState.PrivateNetwork network) {
        ObjectNode node = object();
        node.put("id", network.id());
        node.put("name", network.name());
        node.put("description", network.description());
        node.put("start-ip", network.startIp());
        node.put("end-ip", network.endIp());
        node.put("netmask", network.netmask());
        ArrayNode leases = node.putArray("leases");
        network.leases().forEach((instance, ip) -> leases.addObject().put("instance-id", instance).put("ip", ip));
        labels(node, Map.of());
        return node;
    }

    /** The same locally administered MAC address for an instance's interface on a network, every run. */
    private static String macAddress(String network, String instance) {
        byte[] hash = java.util.UUID.nameUUIDFromBytes((network + "/" + instance)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString().replace("-", "").substring(0, 10)
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        StringBuilder mac = new StringBuilder("0a");
        for (int i = 0; i < 10; i += 2) {
            mac.append(':').append((char) hash[i]).append((char) hash[i + 1]);
        }
        return mac.toString();
    }

    static ObjectNode securityGroup(StandinState.SecurityGroup group) {
        ObjectNode node = object();
        node.put("id", group.id());
        node.put("name", group.name());
        node.put("description", group.description());
        return node;
    }

    static ObjectNode operation(StandinState.Operation op) {
        ObjectNode node = object();
        node.put("id", op.id());
        node.put("state", op.state());
        if (op.reason() != null) {
            node.put("reason", op.reason());
        }
        if (op.message() != null) {
            node.put("message", op.message());
        }
        ObjectNode reference = node.putObject("reference");
        reference.put("id", op.elasticIpId());
        reference.put("link", "/v2/elastic-ip/" + op.elasticIpId());
        reference.put("command", op.command());
        return node;
    }

    /** {@code {"<field>": [items]}}, the shape of every list call. */
    static ObjectNode list(String field, List<ObjectNode> items) {
        ObjectNode node = object();
        node.putArray(field).addAll(items);
        return node;
    }

    /** {@code {"message": ...}}, the simplest of the error shapes the API uses. */
    static ObjectNode message(String message) {
        return MAPPER.createObjectNode().put("message", message);
    }

    static ArrayNode strings(Collection<String> values) {
        ArrayNode array = MAPPER.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private static ObjectNode object() {
        return MAPPER.createObjectNode().put("x-standin", true);
    }

    private static ArrayNode idObjects(List<String> ids) {
        ArrayNode array = MAPPER.createArrayNode();
        ids.forEach(id -> array.addObject().put("id", id));
        return array;
    }

    private static void labels(ObjectNode node, Map<String, String> labels) {
        ObjectNode out = node.putObject("labels");
        labels.forEach(out::put);
    }
}
