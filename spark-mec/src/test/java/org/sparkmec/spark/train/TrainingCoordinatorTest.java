package org.sparkmec.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
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
import org.sparkmec.engine.nn.ParameterVector;
import org.sparkmec.engine.optim.LearningRateSchedule;
import org.sparkmec.engine.optim.Optimizer;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleKind;
import org.sparkmec.engine.optim.ScheduleSpec;
import org.sparkmec.spark.DeferredReply;
import org.sparkmec.spark.train.TrainMessages.Gradients;
import org.sparkmec.spark.train.TrainMessages.GradientsAck;
import org.sparkmec.spark.train.TrainMessages.Join;
import org.sparkmec.spark.train.TrainMessages.WorkerFailed;

/**
 * The coordinator without Spark: its sharded aggregation and update against the serial one (sum in worker order from zero,
 * scale by 1 / images, {@link Optimizer#step} on the parameters' tensors), bit for bit, with parts arriving
 * out of worker order, a worker without images, and shard counts that split parameters at odd places; the
 * deferred replies (every part answered together when the step commits, failed when the run stops or a new
 * attempt replaces the step's, at once when rejected; told that the answer is imminent when the commit runs on one
 * thread); and its stop path: a worker's permanent failure
 * stops the run once.
 */
class TrainingCoordinatorTest {
    /** 11x7x3 input, 173 hidden units, 10 classes: 231 x 173 + 174 x 10 = 41,703 parameters. */
    private static final String MODEL = "name = coordinator-test\ninput { height = 11, width = 7, channels = 3 }\n"
            + "layers = [\n  { type = flatten }\n  { type = dense, name = fc1, units = 173 }\n  { type = relu }\n"
            + "  { type = dense, name = fc2, units = 10 }\n]\n";
    private static final int WORKERS = 3;
    private static final int[][] ARRIVAL = {{2, 0, 1}, {1, 2, 0}, {0, 1, 2}, {2, 1, 0}};

    @Test
    void shardedUpdateEqualsSerialUpdateBitForBit() {
        for (int shards : new int[] {1, 2, 3}) {
            for (OptimizerKind kind : new OptimizerKind[] {OptimizerKind.SGD, OptimizerKind.ADAM}) {
                check(shards, kind);
            }
        }
    }

    private static void check(int shards, OptimizerKind kind) {
        ModelSpec spec = ModelFile.parse(MODEL, "test model");
        OptimizerSpec optimizerSpec = kind == OptimizerKind.SGD
                ? OptimizerSpec.defaults(kind).withMomentum(0.9) : OptimizerSpec.defaults(kind);
        LearningRateSchedule schedule = ScheduleSpec.of(ScheduleKind.COSINE, 0.05).create(2);
        String what = shards + " shard(s), " + kind;
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0));
             Network driver = Networks.build(backend, spec);
             Network reference = Networks.build(backend, spec)) {
            Optimizer serial = optimizerSpec.create();
            TrainingCoordinator coordinator = new TrainingCoordinator("run", driver, optimizerSpec.create(), schedule,
                    MODEL, 1, List.of("a", "b"), WORKERS, 2, 2, 0, false, 1000, null, null)
                    .shardWith(new ParallelRanges(shards, 1));
            int n = ParameterVector.size(reference.parameters());
            for (int w = 0; w < WORKERS; w++) {
                coordinator.handle(new Join("run", 0, w, "e", "h"));
            }
            SplittableRandom rnd = new SplittableRandom(17);
            for (int step = 0; step < ARRIVAL.length; step++) {
                float[][] parts = new float[WORKERS][];
                int[] images = new int[WORKERS];
                for (int w = 0; w < WORKERS; w++) {
                    // Worker 1 has no images left in the last step (an uneven shard).
                    images[w] = step == ARRIVAL.length - 1 && w == 1 ? 0 : 1 + rnd.nextInt(9);
                    if (images[w] > 0) {
                        parts[w] = new float[n];
                        for (int i = 0; i < n; i++) {
                            parts[w][i] = (float) (rnd.nextDouble() - 0.5) * images[w];
                        }
                    }
                }
                RecordedReply[] replies = new RecordedReply[WORKERS];
                for (int k = 0; k < WORKERS; k++) {
                    int w = ARRIVAL[step][k];
                    replies[w] = new RecordedReply();
                    coordinator.submit(new Gradients("run", 0, w, step,
                            parts[w] == null ? null : new FloatVector(parts[w]),
                            images[w], 1.0, 0, 0, 0), replies[w]);
                    for (int before = 0; before <= k && k < WORKERS - 1; before++) {
                        assertNull(replies[ARRIVAL[step][before]].value, what + ": a reply before the last part");
                    }
                }
                for (RecordedReply r : replies) {
                    assertNull(r.failure, what + ": no part fails");
                    assertSame(coordinator.weights(), ((GradientsAck) r.value).weights().values(),
                            what + ": every part is answered with the published weights");
                }
                float[] sum = new float[n];
                int total = 0;
                for (int w = 0; w < WORKERS; w++) {
                    total += images[w];
                    if (parts[w] != null) {
                        for (int i = 0; i < n; i++) {
                            sum[i] += parts[w][i];
                        }
                    }
                }
                float scale = 1f / total;
                for (int i = 0; i < n; i++) {
                    sum[i] *= scale;
                }
                ParameterVector.scatterGradients(reference.parameters(), sum);
                serial.step(reference.parameters(), schedule.rate(step / 2, step % 2, 2));
                float[] expected = new float[n];
                ParameterVector.gatherValues(reference.parameters(), expected);
                assertArrayEquals(expected, coordinator.weights(), what + ", step " + (step + 1));
            }
            assertEquals(ARRIVAL.length, coordinator.step());
            float[] model = coordinator.finalModel().parameters().values().stream()
                    .map(t -> t.values()).reduce((a, b) -> {
                        float[] c = Arrays.copyOf(a, a.length + b.length);
                        System.arraycopy(b, 0, c, a.length, b.length);
                        return c;
                    }).orElseThrow();
            assertArrayEquals(coordinator.weights(), model, what + ": the final model holds the published weights");
            assertEquals(List.of("a", "b"), coordinator.finalModel().classNames(),
                    what + ": and the run's class names");
            assertNull(coordinator.finalModel().optimizer(), what + ": and no optimizer state");
        }
    }

    /**
     * An update that makes a weight non-finite (here an infinite gradient element with a finite loss) stops the run
     * with a line naming the step and the learning rate, on any shard count (the check runs inside the sharded pass),
     * and publishes nothing.
     */
    @Test
    void weightsThatTheUpdateMakesNonFiniteStopTheRun() {
        ModelSpec spec = ModelFile.parse(MODEL, "test model");
        for (int shards : new int[] {1, 3}) {
            try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0));
                 Network driver = Networks.build(backend, spec)) {
                TrainingCoordinator c = new TrainingCoordinator("run", driver,
                        OptimizerSpec.defaults(OptimizerKind.SGD).create(), ScheduleSpec.of(ScheduleKind.CONSTANT, 0.01)
                        .create(1), MODEL, 1, List.of(), 1, 2, 1, 0, false, 1000, null, null)
                        .shardWith(new ParallelRanges(shards, 1));
                int n = ParameterVector.size(driver.parameters());
                c.handle(new Join("run", 0, 0, "e", "h"));
                float[] before = c.weights().clone();
                float[] part = new float[n];
                part[n - 7] = Float.POSITIVE_INFINITY;
                RecordedReply reply = new RecordedReply();
                c.submit(new Gradients("run", 0, 0, 0, new FloatVector(part), 4, 1.0, 0, 0, 0), reply);
                assertEquals("training diverged at epoch 1 step 1 of 2: the weights became non-finite at learning rate "
                        + "0.01; lower the learning rate (--lr)", c.stopReason(), shards + " shard(s)");
                assertNull(reply.value, shards + " shard(s): no weights are published");
                assertEquals(0, c.step(), shards + " shard(s)");
                assertArrayEquals(before, c.weights(), shards + " shard(s): the published weights stay those before");
            }
        }
    }

    /**
     * When the commit runs on the committing thread alone and the driver has a core for every worker, every waiting
     * part is told that its answer is imminent once the last part is in, before it is answered (its asker spins
     * through the commit); not before the last part, and not when the commit needs shard threads or the workers
     * outnumber the cores.
     */
    @Test
    void waitingPartsAreToldOfACommitOnOneThread() {
        ModelSpec spec = ModelFile.parse(MODEL, "test model");
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0));
             Network network = Networks.build(backend, spec)) {
            int n = ParameterVector.size(network.parameters());
            assertEquals(List.of(true, true, true), toldImminent(network, new ParallelRanges(WORKERS, n), n),
                    "one shard, a core per worker");
            assertEquals(List.of(false, false, false), toldImminent(network, new ParallelRanges(WORKERS, 1), n),
                    "three shards");
            assertEquals(List.of(false, false, false), toldImminent(network, new ParallelRanges(WORKERS - 1, n), n),
                    "one shard, fewer cores than workers");
        }
    }

    /** Whether each worker's part of one step was told that its answer is imminent before it was answered. */
    private static List<Boolean> toldImminent(Network network, ParallelRanges shards, int n) {
        TrainingCoordinator c = new TrainingCoordinator("run", network, OptimizerSpec.defaults(OptimizerKind.SGD).create(),
                ScheduleSpec.of(ScheduleKind.CONSTANT, 0.01).create(1), MODEL, 1, List.of(), WORKERS, 2, 1, 0, false,
                100, null, null).shardWith(shards);
        List<RecordedReply> replies = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            c.handle(new Join("run", 0, w, "e", "h"));
        }
        for (int w = 0; w < WORKERS; w++) {
            RecordedReply reply = new RecordedReply();
            replies.add(reply);
            c.submit(new Gradients("run", 0, w, 0, new FloatVector(new float[n]), 1, 0, 0, 0, 0), reply);
            if (w < WORKERS - 1) {
                assertTrue(replies.stream().noneMatch(r -> r.imminentBeforeAnswer), "told before the last part");
            }
        }
        assertTrue(replies.stream().allMatch(r -> r.value instanceof GradientsAck), "every part is answered");
        return replies.stream().map(r -> r.imminentBeforeAnswer).toList();
    }

    /** A {@link DeferredReply} that records its answer, and whether it was told it was imminent before it came. */
    private static final class RecordedReply implements DeferredReply {
        volatile Object value;
        volatile Throwable failure;
        volatile boolean imminentBeforeAnswer;

        @Override
        public void imminent() {
            imminentBeforeAnswer = value == null && failure == null;
        }

        @Override
        public void send(Object v) {
            value = v;
        }

        @Override
        public void fail(Throwable cause) {
            failure = cause;
        }
    }

    @Test
    void waitingPartsFailWhenTheStepCannotCompleteAndRejectedPartsFailAtOnce() throws Exception {
        ModelSpec spec = ModelFile.parse(MODEL, "test model");
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0));
             Network network = Networks.build(backend, spec)) {
            TrainingCoordinator c = new TrainingCoordinator("run", network,
                    OptimizerSpec.defaults(OptimizerKind.SGD).create(), ScheduleSpec.of(ScheduleKind.CONSTANT, 0.01)
                    .create(1), MODEL, 1, List.of(), 2, 5, 1, 0, false, 100, null, null);
            int n = ParameterVector.size(network.parameters());
            c.handle(new Join("run", 0, 0, "e", "h"));
            c.handle(new Join("run", 0, 1, "e", "h"));

            RecordedReply wrongStep = new RecordedReply();
            c.submit(new Gradients("run", 0, 0, 3, new FloatVector(new float[n]), 1, 0, 0, 0, 0), wrongStep);
            assertEquals("worker 0 sent gradients of step 3 but the run is at step 0", wrongStep.failure.getMessage());
            RecordedReply otherRun = new RecordedReply();
            c.submit(new Gradients("other", 0, 0, 0, new FloatVector(new float[n]), 1, 0, 0, 0, 0), otherRun);
            assertEquals("request for run other reached run run", otherRun.failure.getMessage());

            RecordedReply waiting = new RecordedReply();
            c.submit(new Gradients("run", 0, 0, 0, new FloatVector(new float[n]), 1, 0, 0, 0, 0), waiting);
            assertNull(waiting.value);
            assertNull(waiting.failure, "waits for worker 1's part");
            c.handle(new Join("run", 1, 0, "e", "h"));
            assertEquals("stage attempt 1 replaced attempt 0 before step 1 completed", waiting.failure.getMessage());

            RecordedReply stopped = new RecordedReply();
            c.submit(new Gradients("run", 1, 1, 0, new FloatVector(new float[n]), 1, 0, 0, 0, 0), stopped);
            assertNull(stopped.failure);
            c.handle(new WorkerFailed("run", 1, 0, "e", "h", "a bad setting"));
            assertNotNull(stopped.failure, "a stopped run answers its waiting parts");
            assertTrue(stopped.failure.getMessage().startsWith("the run was stopped: worker 0 failed on executor e (h)"),
                    stopped.failure.getMessage());
            assertNull(stopped.value);
            assertEquals(0, c.step());
        }
    }

    /** The networks of this test: the same seed, so the same initial weights. */
    private static final class Networks {
        static Network build(CpuBackend backend, ModelSpec spec) {
            return org.sparkmec.engine.train.Networks.build(backend, spec, MecOptions.defaults(), 0, 1);
        }
    }

    @Test
    void aWorkersPermanentFailureStopsTheRunOnceNamingTheExecutor() throws Exception {
        ModelSpec spec = ModelFile.read(Path.of("../conf/models/lenet.conf"));
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS, 0));
             Network network = org.sparkmec.engine.train.Networks.build(backend, spec, MecOptions.defaults(), 1L << 28, 1, null)) {
            TrainingCoordinator c = new TrainingCoordinator("run", network,
                    OptimizerSpec.defaults(OptimizerKind.SGD).create(), ScheduleSpec.of(ScheduleKind.CONSTANT, 0.01)
                    .create(1), ModelSpecWriter.toHocon(spec), 1, List.of(), 2, 5, 1, 0, false, 100, null, null);
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
