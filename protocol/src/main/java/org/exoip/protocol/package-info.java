/**
 * The exoip wire protocol: the 24-byte advert, the {@code info} query, and the Netty
 * adapters that turn datagrams into {@link org.exoip.protocol.Inbound} events and
 * {@link org.exoip.protocol.OutboundAdvert}s into datagrams.
 */
package org.exoip.protocol;
