package org.sparkmec.spark.bench;

import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.sparkmec.engine.bench.BenchmarkSummary;
import org.sparkmec.spark.DriverMessageRoutes;

/**
 * Progress of the benchmarks running on this driver: executors report each finished layer through the
 * spark-mec plugin's RPC ({@link LayerDone}, Java-serialized), and the plugin hands it here, to the
 * listener of its run.
 */
public final class BenchProgress {
    private static final Map<String, Consumer<LayerDone>> RUNS = new ConcurrentHashMap<>();

    private BenchProgress() {
    }

    /**
     * One executor finished one layer.
     *
     * @param index  the layer's position in the run, from 1
     * @param count  the run's layers
     * @param detail a digest of the layer's results ({@link BenchmarkSummary#progressLine(java.util.List)})
     */
    public record LayerDone(String runId, String executor, String host, int index, int count, String layer,
                            String detail) implements Serializable {

        /** The progress line, e.g. {@code executor 1 (127.0.0.1): layer 2/4 q2: mec/im2col forward 0.41, ...}. */
        public String line() {
            return BenchmarkSummary.progressLine(executor, host, index, count, layer, detail);
        }
    }

    static void register(String runId, Consumer<LayerDone> listener) {
        DriverMessageRoutes.register(LayerDone.class, BenchProgress::deliver);
        RUNS.put(runId, listener);
    }

    static void unregister(String runId) {
        RUNS.remove(runId);
    }

    /**
     * Passes {@code message} to its run's listener; a message of a run that has ended (or another driver's)
     * is dropped. Called by the plugin's RPC thread.
     *
     * @return the reply to the executor
     */
    public static Boolean deliver(LayerDone message) {
        Consumer<LayerDone> listener = RUNS.get(message.runId());
        if (listener != null) {
            listener.accept(message);
        }
        return listener != null;
    }
}
