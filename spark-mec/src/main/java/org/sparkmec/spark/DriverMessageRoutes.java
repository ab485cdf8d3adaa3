package org.sparkmec.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Where the spark-mec driver plugin sends the messages it receives: a handler per message type, registered by
 * the subsystem that owns the type (training, the layer benchmark) before its first task can send one. The
 * plugin knows only this table, not the subsystems.
 *
 * <p>Thread-safe; handlers run on the plugin's RPC thread and must not block it.
 */
public final class DriverMessageRoutes {
    private static final Map<Class<?>, Function<Object, Object>> ROUTES = new ConcurrentHashMap<>();

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
