package org.exoip.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinState;

/**
 * The training run behind exoip's class-data-sharing archive: a one-shot {@code -A} and {@code -D}
 * against a stand-in API in this JVM, so that {@code -XX:ArchiveClassesAtExit} records the
 * classes an ifupdown hook loads, and the next runs map them instead of loading them. The build
 * runs it ({@code app/target/exoip.jsa}), and so do the Debian package and the container image
 * on their own files. Loopback only; nothing reaches Exoscale or the metadata server.
 */
public final class CdsTraining {

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        // The entry point itself, which the training runs below do not go through.
        Class.forName(Main.class.getName());
        StringWriter out = new StringWriter();
        int failures = 0;
        try (StandinServer standin = StandinServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            StandinState state = standin.state();
            String key = "EXOtraining0000000000000001";
            String secret = "training-secret-not-a-real-one";
            state.addCredential(key, secret);
            state.addElasticIp("198.51.100.50");
            String instance = state.addInstance("training", "127.0.0.1", "exoip").id();
            Map<String, String> env = Map.of(
                    "IF_ADDRESS", "198.51.100.50",
                    "IF_EXOSCALE_API_KEY", key,
                    "IF_EXOSCALE_API_SECRET", secret,
                    "IF_EXOSCALE_API_ENDPOINT", standin.apiBase().toString(),
                    "IF_EXOSCALE_METADATA_URL", standin.metadataBase().toString(),
                    "IF_EXOSCALE_INSTANCE_ID", instance);
            for (List<String> run : List.of(List.of("-A", "-O"), List.of("-D", "-O"), List.of("-A", "-O", "--dry-run"),
                    List.of("-A", "-n"))) {
                picocli.CommandLine cmd = ExoipCommand.commandLine(env, new ExoscaleConnector(), SignalInstaller.NONE);
                cmd.setOut(new PrintWriter(out, true));
                cmd.setErr(new PrintWriter(out, true));
                failures += cmd.execute(run.toArray(String[]::new)) == 0 ? 0 : 1;
            }
        }
        if (failures > 0) {
            System.err.print(out);
        }
        System.out.println("exoip CDS training: " + (failures == 0 ? "done" : failures + " runs failed"));
        System.exit(failures == 0 ? 0 : 1);
    }
}
