package org.sparkmec.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The driver plugin's message table: routing by type (interfaces included), first handler kept, unknown types named. */
class DriverMessageRoutesTest {
    private interface Ping {
        int n();
    }

    private record PingOne(int n) implements Ping {
    }

    private record Unrouted() {
    }

    @Test
    void routesByTypeAndKeepsTheFirstHandler() {
        DriverMessageRoutes.register(Ping.class, p -> "pong " + p.n());
        DriverMessageRoutes.register(Ping.class, p -> "second");
        assertEquals("pong 3", DriverMessageRoutes.route(new PingOne(3)));
    }

    @Test
    void anUnroutedMessageIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DriverMessageRoutes.route(new Unrouted()));
        assertTrue(e.getMessage().startsWith("spark-mec driver plugin: unexpected message "
                + Unrouted.class.getName()), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DriverMessageRoutes.route(null));
    }
}
