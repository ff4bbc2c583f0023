package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.exoip.exoscale.generated.model.ElasticIp;
import org.exoip.exoscale.generated.model.ElasticIpList;
import org.exoip.exoscale.generated.model.InstanceTarget;
import org.exoip.exoscale.generated.model.Operation;
import org.exoip.exoscale.generated.model.OperationState;
import org.exoip.exoscale.generated.model.ResourceRef;
import org.junit.jupiter.api.Test;

/** The client's ObjectMapper: the generated one's settings, without java.time support nothing needs. */
class ExoscaleClientMapperTest {

    private final ObjectMapper mapper = ExoscaleClient.objectMapper();

    /**
     * The mapper registers no java.time module: a date field in a future OpenAPI subset would
     * then fail to read. This names the field, so that whoever adds one registers the module.
     */
    @Test
    void noGeneratedModelHasADateField() throws IOException, URISyntaxException, ClassNotFoundException {
        Path models = Path.of(ElasticIp.class.getResource("ElasticIp.class").toURI()).getParent();
        List<String> dated = new ArrayList<>();
        int classes = 0;
        try (Stream<Path> files = Files.list(models)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (!name.endsWith(".class")) {
                    continue;
                }
                classes++;
                Class<?> model = Class.forName(ElasticIp.class.getPackageName() + "."
                        + name.substring(0, name.length() - ".class".length()));
                for (Field field : model.getDeclaredFields()) {
                    String type = field.getGenericType().getTypeName();
                    if (type.contains("java.time.") || type.contains("java.util.Date")) {
                        dated.add(model.getSimpleName() + "." + field.getName() + ": " + type);
                    }
                }
            }
        }
        assertTrue(classes > 10, "the generated models were not found in " + models);
        assertEquals(List.of(), dated, "date fields need the java.time modules in ExoscaleClient.objectMapper()");
    }

    @Test
    void unknownFieldsAndEnumValuesAreTolerated() throws IOException {
        ElasticIpList list = mapper.readValue("{\"elastic-ips\":[{\"id\":\"" + UUID.randomUUID()
                + "\",\"ip\":\"192.0.2.1\",\"added-later\":{\"x\":1}}],\"next\":\"?\"}", ElasticIpList.class);
        assertEquals("192.0.2.1", list.getElasticIps().get(0).getIp());
        Operation operation = mapper.readValue("{\"state\":\"a-new-state\"}", Operation.class);
        assertEquals(OperationState.UNKNOWN_DEFAULT_OPEN_API, operation.getState());
    }

    @Test
    void requestBodiesLeaveOutNullsAndWriteEnumsAsTheApiSpellsThem() throws IOException {
        UUID id = UUID.randomUUID();
        String body = new String(mapper.writeValueAsBytes(new InstanceTarget().instance(new ResourceRef().id(id))),
                java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("{\"instance\":{\"id\":\"" + id + "\"}}", body);
        assertFalse(mapper.writeValueAsString(new Operation().state(OperationState.SUCCESS)).contains("null"));
        assertTrue(mapper.writeValueAsString(new Operation().state(OperationState.SUCCESS)).contains("\"success\""));
    }
}
