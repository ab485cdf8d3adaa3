package org.sparkmec.spark.train;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The training runs in progress on this driver, by run id, for the plugin to route requests to. */
public final class Coordinators {
    private static final Map<String, TrainingCoordinator> RUNS = new ConcurrentHashMap<>();

    private Coordinators() {
    }

    static void register(TrainingCoordinator coordinator) {
        if (RUNS.putIfAbsent(coordinator.runId(), coordinator) != null) {
            throw new IllegalStateException("training run " + coordinator.runId() + " is already registered");
        }
    }

    static void unregister(String runId) {
        RUNS.remove(runId);
    }

    /** The coordinator of {@code runId}; throws if the run is unknown (finished, or another driver's). */
    public static TrainingCoordinator get(String runId) {
        TrainingCoordinator c = RUNS.get(runId);
        if (c == null) {
            throw new IllegalStateException("no training run " + runId + " on this driver (it has finished or failed)");
        }
        return c;
    }
}
