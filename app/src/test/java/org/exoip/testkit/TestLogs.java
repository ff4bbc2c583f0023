package org.exoip.testkit;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Standard error of each test class, where the code under test logs its WARN and ERROR lines (many
 * on purpose: a refused call, a dead peer), goes to {@code target/test-logs/CLASS.log} instead of
 * the build's output, where they looked like failures. A test that fails gets its part of the file
 * printed after it, so nothing is lost where it matters. Registered for every test of the module
 * (junit-platform.properties: extension auto-detection).
 *
 * <p>Tests run one at a time in a JVM (surefire's default here): one current file. Lines that
 * threads of a finished class write late land in that class's file, until the next class starts.
 */
public final class TestLogs implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {

    private static final Path FOLDER = Path.of("target", "test-logs");
    /** The most of a failed test's part printed: its end, where the failure is. */
    private static final int MAX_LINES_SHOWN = 300;
    private static final PrintStream CONSOLE = System.err;
    private static final Switch TARGET = new Switch();

    static {
        System.setErr(new PrintStream(TARGET, true, StandardCharsets.UTF_8));
    }

    private static Path file;
    private static final Deque<Long> starts = new ArrayDeque<>();

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        if (context.getParent().flatMap(ExtensionContext::getTestClass).isPresent()) {
            starts.push(written()); // a @Nested class: in its enclosing class's file
            return;
        }
        Files.createDirectories(FOLDER);
        file = FOLDER.resolve(context.getRequiredTestClass().getName() + ".log");
        TARGET.to(new FileOutputStream(file.toFile()));
        // Back to the start-up logging (WARN and up, on standard error): a class before may have
        // run a command that logs to standard output (-O), which would print on in every class after.
        LoggerContext.getContext(false).reconfigure();
        starts.push(0L);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        starts.push(written());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        long from = starts.pop();
        if (context.getExecutionException().isPresent()) {
            show(context.getRequiredTestClass().getSimpleName() + " " + context.getDisplayName(), from);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        long from = starts.isEmpty() ? 0 : starts.pop();
        if (context.getExecutionException().isPresent()) {
            show(context.getDisplayName(), from);
        }
    }

    private static long written() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The file from byte {@code from} on, its last lines, on the console. */
    private static void show(String test, long from) {
        String text;
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            in.seek(from);
            byte[] bytes = new byte[(int) Math.max(0, in.length() - from)];
            in.readFully(bytes);
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            text = "(cannot read " + file + ": " + e.getMessage() + ")\n";
        }
        if (text.isEmpty()) {
            return;
        }
        String[] lines = text.split("\n", -1);
        int skip = Math.max(0, lines.length - MAX_LINES_SHOWN);
        CONSOLE.println("---- standard error of " + test + " (" + file + (skip > 0 ? ", its last "
                + MAX_LINES_SHOWN + " lines" : "") + ") ----");
        CONSOLE.println(String.join("\n", java.util.Arrays.asList(lines).subList(skip, lines.length)).stripTrailing());
        CONSOLE.println("---- end of standard error of " + test + " ----");
    }

    /** Standard error's bytes, to the current class's file (the console before the first). */
    private static final class Switch extends OutputStream {

        private OutputStream current = CONSOLE;

        synchronized void to(OutputStream next) throws IOException {
            if (current != CONSOLE) {
                current.close();
            }
            current = next;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            current.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            current.write(b, off, len);
        }

        @Override
        public synchronized void flush() throws IOException {
            current.flush();
        }
    }
}
