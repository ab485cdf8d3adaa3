package org.sparkmec.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.model.ModelSpecWriter;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.engine.train.Networks;
import org.sparkmec.spark.train.TrainMessages.Join;
import org.sparkmec.spark.train.TrainMessages.WorkerFailed;

/** The coordinator's stop path, without Spark: a worker's permanent failure stops the run once. */
class TrainingCoordinatorTest {

    @Test
    void aWorkersPermanentFailureStopsTheRunOnceNamingTheExecutor() throws Exception {
        ModelSpec spec = ModelFile.read(Path.of("../conf/models/lenet.conf"));
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0));
             Network network = Networks.build(backend, spec, MecOptions.defaults(), 1L << 28, 1, null)) {
            TrainingCoordinator c = new TrainingCoordinator("run", network,
                    OptimizerSpec.defaults(OptimizerKind.SGD).create(), ScheduleSpec.of(ScheduleKind.CONSTANT, 0.01)
                    .create(1), ModelSpecWriter.toHocon(spec), 1, 2, 5, 1, 0, false, 100, null, null);
            AtomicInteger stops = new AtomicInteger();
            c.onStop(stops::incrementAndGet);
            c.handle(new Join("run", 0, 0, "3", "host-a"));
            c.handle(new Join("run", 0, 1, "4", "host-b"));
            c.handle(new WorkerFailed("run", 1, 1, "4", "host-b", "from an attempt the coordinator has not seen"));
            assertNull(c.stopReason(), "a report of another attempt is ignored");

            c.handle(new WorkerFailed("run", 0, 1, "4", "host-b", "out of memory (Java heap space)"));
            c.handle(new WorkerFailed("run", 0, 0, "3", "host-a", "a second report"));
            assertEquals("worker 1 failed on executor 4 (host-b) at step 1 of 5: out of memory (Java heap space)",
                    c.stopReason());
            assertEquals(1, stops.get(), "stopped once");
        }
    }
}
