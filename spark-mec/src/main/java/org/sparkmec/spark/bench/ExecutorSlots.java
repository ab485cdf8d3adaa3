package org.sparkmec.spark.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.status.api.v1.ExecutorSummary;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The executors of an application, with their cores, as Spark's status store lists them (the data behind
 * the web UI's Executors tab and {@code /api/v1/.../executors}; {@code SparkContext.statusStore} is
 * Spark-internal API, the only one that gives each executor's cores). In local mode the driver is the one
 * executor; otherwise the driver is not one.
 */
final class ExecutorSlots {
    /** Without an expected count, the executors are taken once their list has not changed for this long. */
    static final Duration SETTLE = Duration.ofSeconds(2);
    private static final String DRIVER = "driver";
    private static final long POLL_MILLIS = 100;

    private ExecutorSlots() {
    }

    /** An executor: its id, host and cores ({@code totalCores}). */
    record Slot(String id, String host, int cores) {
    }

    /**
     * The active executors once {@code expected} of them have registered (all registered ones then), or
     * with {@code expected} 0, once at least one has and the list has been unchanged for {@link #SETTLE}.
     *
     * @throws IllegalStateException after {@code timeout}, naming the executors registered
     */
    static List<Slot> await(SparkContext sc, int expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Slot> last = List.of();
        long stableSince = System.nanoTime();
        while (true) {
            List<Slot> now = active(sc);
            if (!now.equals(last)) {
                last = now;
                stableSince = System.nanoTime();
            }
            boolean settled = System.nanoTime() - stableSince >= SETTLE.toNanos();
            if (!now.isEmpty() && (sc.isLocal() || (expected > 0 ? now.size() >= expected : settled))) {
                return now;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException((expected > 0 ? "expected " + expected + " executors" : "no executors")
                        + " after waiting " + timeout.toSeconds() + " s; registered: "
                        + (now.isEmpty() ? "none" : now) + " (master " + sc.master() + ")");
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
    }

    private static List<Slot> active(SparkContext sc) {
        List<Slot> slots = new ArrayList<>();
        for (ExecutorSummary e : CollectionConverters.asJava(sc.statusStore().executorList(true))) {
            if (e.id().equals(DRIVER) == sc.isLocal()) {
                int cores = e.totalCores() > 0 ? e.totalCores() : sc.defaultParallelism();
                slots.add(new Slot(e.id(), host(e.hostPort()), cores));
            }
        }
        slots.sort(Comparator.comparing(Slot::id));
        return slots;
    }

    /** {@code host:port} less the port ({@code [::1]:7077} keeps its brackets). */
    private static String host(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return colon > 0 && !hostPort.endsWith("]") ? hostPort.substring(0, colon) : hostPort;
    }
}
