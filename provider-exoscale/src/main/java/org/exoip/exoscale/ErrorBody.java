package org.exoip.exoscale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an error answer's body into one readable line. The API answers {@code {"message"}},
 * RFC 9457 problem details ({@code title}/{@code detail}), {@code {"error"}} or plain text, and a
 * proxy in front of it answers HTML; none of these must surface as a JSON parse failure.
 */
final class ErrorBody {

    /** Longest message we keep: enough for any real API message, short enough for a log line. */
    static final int MAX_LENGTH = 200;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TITLE = Pattern.compile("<title[^>]*>(.*?)</title>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern SCRIPT_OR_STYLE = Pattern.compile("<(script|style)[^>]*>.*?</\\1>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern TAG = Pattern.compile("<[^>]*>");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    private ErrorBody() {
    }

    /** The server's message in {@code body}, on one line of at most {@link #MAX_LENGTH} characters; "" if none. */
    static String message(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String text = body.strip();
        if (text.startsWith("{")) {
            String fromJson = fromJson(text);
            if (fromJson != null) {
                return shorten(oneLine(fromJson));
            }
        }
        if (looksLikeHtml(text)) {
            String page = fromHtml(text);
            return shorten(page.isEmpty() ? "an HTML page without text" : "HTML page: " + page);
        }
        return shorten(oneLine(text));
    }

    /** The message of a JSON error object, or null when the text is not JSON. */
    private static String fromJson(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
        if (root == null || !root.isObject()) {
            return null;
        }
        String message = text(root.get("message"));
        if (message != null) {
            return message;
        }
        String problem = problemDetails(root);
        if (problem != null) {
            return problem;
        }
        JsonNode error = root.get("error");
        if (error != null) {
            String plain = text(error);
            if (plain != null) {
                return plain;
            }
            String nested = error.isObject() ? text(error.get("message")) : null;
            if (nested != null) {
                return nested;
            }
        }
        // Some JSON we do not know: show it as it came rather than nothing.
        return root.toString();
    }

    /** RFC 9457: {@code title: detail}, plus the {@code errors} entries' details when present. */
    private static String problemDetails(JsonNode root) {
        String title = text(root.get("title"));
        String detail = text(root.get("detail"));
        String head;
        if (title != null && detail != null && !detail.equals(title)) {
            head = title + ": " + detail;
        } else {
            head = title != null ? title : detail;
        }
        if (head == null) {
            return null;
        }
        JsonNode errors = root.get("errors");
        if (errors != null && errors.isArray() && !errors.isEmpty()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode e : errors) {
                String part = text(e);
                if (part == null && e.isObject()) {
                    part = text(e.get("detail")) != null ? text(e.get("detail")) : text(e.get("message"));
                }
                if (part != null) {
                    parts.add(part);
                }
            }
            if (!parts.isEmpty()) {
                head += " (" + String.join("; ", parts) + ")";
            }
        }
        return head;
    }

    private static String text(JsonNode node) {
        if (node == null || !node.isValueNode() || node.isNull()) {
            return null;
        }
        String text = node.asText();
        return text.isBlank() ? null : text.strip();
    }

    private static boolean looksLikeHtml(String text) {
        String head = text.substring(0, Math.min(text.length(), 512)).toLowerCase(Locale.ROOT);
        return head.startsWith("<!doctype html") || head.startsWith("<html") || head.contains("<html")
                || head.contains("<head") || head.contains("<body") || head.contains("<title");
    }

    /** The page's {@code <title>}, else its visible text. */
    private static String fromHtml(String html) {
        Matcher title = TITLE.matcher(html);
        if (title.find()) {
            String text = oneLine(unescape(TAG.matcher(title.group(1)).replaceAll(" ")));
            if (!text.isEmpty()) {
                return text;
            }
        }
        String visible = TAG.matcher(SCRIPT_OR_STYLE.matcher(html).replaceAll(" ")).replaceAll(" ");
        return oneLine(unescape(visible));
    }

    private static String unescape(String html) {
        return html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&");
    }

    private static String oneLine(String text) {
        return SPACE.matcher(text).replaceAll(" ").strip();
    }

    static String shorten(String text) {
        return text.length() <= MAX_LENGTH ? text : text.substring(0, MAX_LENGTH - 1) + "…";
    }
}
