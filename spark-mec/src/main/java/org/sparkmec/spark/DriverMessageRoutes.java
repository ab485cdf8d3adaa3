package org.sparkmec.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Where the spark-mec driver plugin sends the messages it receives: a handler per message type, registered by
 * the subsystem that owns the type (training, the layer benchmark) before its first task can send one. The
 * plugin knows only this table, not the subsystems.
 *
 * <p>Two tables: messages of the plugin's RPC ({@code PluginContext.ask}), whose handler returns the reply at
 * once, and messages of {@link DeferredReplyEndpoint} ({@link DriverAsk}), whose handler keeps a
 * {@link DeferredReply} and may answer later.
 *
 * <p>Thread-safe; handlers run on Spark's RPC threads and must not block them.
 */
public final class DriverMessageRoutes {
    private static final Map<Class<?>, Function<Object, Object>> ROUTES = new ConcurrentHashMap<>();
    private static final Map<Class<?>, BiConsumer<Object, DeferredReply>> DEFERRED = new ConcurrentHashMap<>();

    private DriverMessageRoutes() {
    }

    /**
     * Routes messages that are instances of {@code type} to {@code handler}, whose return value is the reply.
     * Registering the same type again keeps the first handler (subsystems register once per run).
     */
    public static <T> void register(Class<T> type, Function<? super T, ?> handler) {
        ROUTES.putIfAbsent(type, message -> handler.apply(type.cast(message)));
    }

    /**
     * Routes messages of {@link DriverAsk} that are instances of {@code type} to {@code handler}, which answers
     * through the {@link DeferredReply} now or later. Registering the same type again keeps the first handler.
     */
    public static <T> void registerDeferred(Class<T> type, BiConsumer<? super T, DeferredReply> handler) {
        DEFERRED.putIfAbsent(type, (message, reply) -> handler.accept(type.cast(message), reply));
    }

    /**
     * Hands {@code message} and its reply to the deferred handler registered for its type.
     *
     * @throws IllegalArgumentException if no handler takes the message, naming its class
     */
    static void routeDeferred(Object message, DeferredReply reply) {
        if (message != null) {
            for (Map.Entry<Class<?>, BiConsumer<Object, DeferredReply>> route : DEFERRED.entrySet()) {
                if (route.getKey().isInstance(message)) {
                    route.getValue().accept(message, reply);
                    return;
                }
            }
        }
        throw new IllegalArgumentException("spark-mec driver: unexpected deferred request "
                + (message == null ? "null" : message.getClass().getName()) + "; routes: " + DEFERRED.keySet());
    }

    /**
     * The reply of the handler registered for {@code message}'s type.
     *
     * @throws IllegalArgumentException if no handler takes the message, naming its class
     */
    static Object route(Object message) {
        if (message != null) {
            for (Map.Entry<Class<?>, Function<Object, Object>> route : ROUTES.entrySet()) {
                if (route.getKey().isInstance(message)) {
                    return route.getValue().apply(message);
                }
            }
        }
        throw new IllegalArgumentException("spark-mec driver plugin: unexpected message "
                + (message == null ? "null" : message.getClass().getName()) + "; routes: " + ROUTES.keySet());
    }
}
