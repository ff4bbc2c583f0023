package org.exoip.exoscale.standin;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * An exchange whose answer goes nowhere: the request is served as usual (its effects happen),
 * and what the handler writes is thrown away, so the stand-in can answer something else instead
 * ({@link Fault.Kind#AMBIGUOUS}). The request side is the real exchange's.
 *
 * <p>Used on one request thread, as the exchange it wraps.
 */
final class AnswerLost extends HttpExchange {

    private final HttpExchange request;
    private final Headers lostHeaders = new Headers();
    private final ByteArrayOutputStream lostBody = new ByteArrayOutputStream();
    private int lostStatus = -1;

    AnswerLost(HttpExchange request) {
        this.request = request;
    }

    @Override
    public Headers getRequestHeaders() {
        return request.getRequestHeaders();
    }

    @Override
    public Headers getResponseHeaders() {
        return lostHeaders;
    }

    @Override
    public URI getRequestURI() {
        return request.getRequestURI();
    }

    @Override
    public String getRequestMethod() {
        return request.getRequestMethod();
    }

    @Override
    public HttpContext getHttpContext() {
        return request.getHttpContext();
    }

    @Override
    public void close() {
        // The real exchange answers and closes afterwards.
    }

    @Override
    public InputStream getRequestBody() {
        return InputStream.nullInputStream(); // already read by the server
    }

    @Override
    public OutputStream getResponseBody() {
        return lostBody;
    }

    @Override
    public void sendResponseHeaders(int status, long length) {
        lostStatus = status;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return request.getRemoteAddress();
    }

    @Override
    public int getResponseCode() {
        return lostStatus;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return request.getLocalAddress();
    }

    @Override
    public String getProtocol() {
        return request.getProtocol();
    }

    @Override
    public Object getAttribute(String name) {
        return request.getAttribute(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        request.setAttribute(name, value);
    }

    @Override
    public void setStreams(InputStream in, OutputStream out) {
        throw new UnsupportedOperationException("the answer of this exchange is thrown away");
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return request.getPrincipal();
    }
}
