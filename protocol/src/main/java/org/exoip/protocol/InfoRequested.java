package org.exoip.protocol;

import java.net.InetSocketAddress;
import java.util.Objects;

/** An {@code info} query from {@code sender}, which expects a reply in {@code format}. */
public record InfoRequested(InetSocketAddress sender, Format format) implements Inbound {

    /** The plain text of the original, or one JSON document ({@code info json}). */
    public enum Format {
        TEXT, JSON
    }

    public InfoRequested {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(format, "format");
    }

    /** The original's query, answered in text. */
    public InfoRequested(InetSocketAddress sender) {
        this(sender, Format.TEXT);
    }
}
