package org.sparkmec.spark.train;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sparkmec.spark.DriverMessageRoutes;

/**
 * The training runs in progress on this driver, by run id; the first registered run routes the workers'
 * {@link TrainMessages.Request}s here ({@link DriverMessageRoutes}: gradient parts with a deferred reply,
 * the others through the plugin's RPC).
 */
public final class Coordinators {
    private static final Map<String, TrainingCoordinator> RUNS = new ConcurrentHashMap<>();

    private Coordinators() {
    }

    static void register(TrainingCoordinator coordinator) {
        DriverMessageRoutes.register(TrainMessages.Request.class, request -> get(request.runId()).handle(request));
        DriverMessageRoutes.registerDeferred(TrainMessages.StepRequest.class,
                (request, reply) -> get(request.runId()).submit(request, reply));
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
