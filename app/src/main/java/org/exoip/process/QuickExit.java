package org.exoip.process;

import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;

/**
 * Lets the JVM exit at once. At exit the JVM waits up to 300 ms for every thread that is in native
 * code, and the JDK HTTP client's selector thread sits in {@code epoll_wait} for as long as its
 * client lives (Java 17 has no {@code HttpClient.close()}): every {@code -A} and {@code -D} paid
 * those 300 ms. This stops those selector threads just before {@code System.exit}.
 *
 * <p>It needs {@code --add-opens java.net.http/jdk.internal.net.http=ALL-UNNAMED} (bin/exoip gives
 * it); without it, or on another JDK, it does nothing and the exit is only slower. Call it from
 * the main thread when nothing uses an HTTP client any more.
 */
public final class QuickExit {

    static final String SELECTOR_CLASS = "jdk.internal.net.http.HttpClientImpl$SelectorManager";

    private QuickExit() {
    }

    /** Stops every HTTP client selector thread; returns how many stopped. Never throws. */
    public static int stopHttpClientSelectors() {
        int stopped = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (!thread.getClass().getName().equals(SELECTOR_CLASS)) {
                continue;
            }
            try {
                Method shutdown = thread.getClass().getDeclaredMethod("shutdown");
                shutdown.setAccessible(true);
                shutdown.invoke(thread);
                thread.join(TimeUnit.MILLISECONDS.toMillis(100));
                stopped += thread.isAlive() ? 0 : 1;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return stopped; // not opened to us: the JVM exits all the same, 300 ms later
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return stopped;
            }
        }
        return stopped;
    }
}
