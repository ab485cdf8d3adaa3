package org.sparkmec.spark.train;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.TaskKilledException;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.util.LongAccumulator;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.MiniBatches;
import org.sparkmec.engine.data.Normalization;
import org.sparkmec.engine.data.ShardedEpochOrder;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.DropoutLayer;
import org.sparkmec.engine.nn.Layer;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.nn.ParameterVector;
import org.sparkmec.engine.nn.SoftmaxCrossEntropy;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.BatchTensors;
import org.sparkmec.engine.train.GradientAggregation;
import org.sparkmec.engine.train.GradientWireFormat;
import org.sparkmec.engine.train.LayerMemoryRow;
import org.sparkmec.engine.train.Networks;
import org.sparkmec.engine.train.TrainingSteps;
import org.sparkmec.spark.DriverAsk;
import org.sparkmec.spark.MecSparkPlugin;
import org.sparkmec.spark.SparkFailures;
import org.sparkmec.spark.data.ShardedImages;
import org.sparkmec.spark.executor.ExecutorEngines;
import org.sparkmec.spark.executor.TaskGpu;
import org.sparkmec.spark.train.TrainMessages.EpochEval;
import org.sparkmec.spark.train.TrainMessages.Gradients;
import org.sparkmec.spark.train.TrainMessages.GradientsAck;
import org.sparkmec.spark.train.TrainMessages.Join;
import org.sparkmec.spark.train.TrainMessages.Joined;
import org.sparkmec.spark.train.TrainMessages.ReducedSlice;
import org.sparkmec.spark.train.TrainMessages.SliceCounts;
import org.sparkmec.spark.train.TrainMessages.SlicePeers;
import org.sparkmec.spark.train.TrainMessages.WeightsSlice;
import org.sparkmec.spark.train.TrainMessages.WeightsStored;
import org.sparkmec.spark.train.TrainMessages.WorkerFailed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-running task of one training worker in the barrier stage: loads its shard, borrows this JVM's
 * persistent engine, joins the run at the driver's current step and runs every remaining step
 * (forward/backward on its local batch, gradients to the driver, new weights back), evaluating its test
 * shard after each epoch. Serialized into the stage's closure (Java serialization): only settings travel.
 *
 * <p>Stops promptly when Spark kills the task (a failed barrier stage attempt): it checks the task's kill
 * flag between steps and while waiting for weights ({@link DriverAsk}), and the coordinator rejects requests
 * of a replaced attempt.
 */
final class WorkerTask implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(WorkerTask.class);
    private static final Logger TRACES = LoggerFactory.getLogger(SparkFailures.TRACE_LOGGER);

    /** A worker's training, test and validation shards (any may be empty), handed over within one task. */
    record Shards(List<org.sparkmec.spark.data.ImageRecord> train, List<org.sparkmec.spark.data.ImageRecord> test,
                  List<org.sparkmec.spark.data.ImageRecord> validation) {
    }

    private final String runId;
    private final String modelText;
    private final Map<String, String> engineSettings;
    private final SparkTrainingOptions options;
    private final int workers;
    private final GradientAggregation aggregation;
    private final GradientWireFormat wire;
    private final int trainExamples;
    private final boolean hasTestSet;
    private final boolean hasValidationSet;
    private final Normalization normalization;
    private final LongAccumulator imagesAccumulator;
    private final LongAccumulator stepsAccumulator;
    private final LongAccumulator computeMillisAccumulator;
    private final LongAccumulator workspaceAccumulator;

    WorkerTask(String runId, String modelText, Map<String, String> engineSettings, SparkTrainingOptions options,
               int workers, GradientAggregation aggregation, GradientWireFormat wire, int trainExamples,
               boolean hasTestSet, boolean hasValidationSet, Normalization normalization, LongAccumulator images, LongAccumulator steps, LongAccumulator computeMillis, LongAccumulator workspace) {
        this.runId = runId;
        this.modelText = modelText;
        this.engineSettings = new TreeMap<>(engineSettings);
        this.options = options;
        this.workers = workers;
        this.aggregation = aggregation;
        this.wire = wire;
        this.trainExamples = trainExamples;
        this.hasTestSet = hasTestSet;
        this.hasValidationSet = hasValidationSet;
        this.normalization = normalization;
        this.imagesAccumulator = images;
        this.stepsAccumulator = steps;
        this.computeMillisAccumulator = computeMillis;
        this.workspaceAccumulator = workspace;
    }

    WorkerReport run(Shards shards) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int w = ctx.partitionId();
        int attempt = ctx.stageAttemptNumber();
        PluginContext rpc = MecSparkPlugin.executorContext();
        try {
            return prepareAndTrain(ctx, rpc, w, attempt, shards);
        } catch (TaskKilledException | RpcFailure | SliceExchange.PeerFetchFailure e) {
            // Retryable: a killed task, a broken driver connection, a lost peer. Spark retries the stage.
            throw e;
        } catch (RuntimeException | Error e) {
            if (!ctx.isInterrupted()) {
                // A killed task's side effects (an interrupted call) are not a failure of their own.
                reportPermanentFailure(rpc, attempt, w, e);
            }
            throw e;
        }
    }

    private WorkerReport prepareAndTrain(BarrierTaskContext ctx, PluginContext rpc, int w, int attempt, Shards shards) {
        ModelSpec spec = ModelFile.parse(modelText, "model of run " + runId);
        int[] dims = {spec.input().height(), spec.input().width(), spec.input().channels()};
        LabeledImages train = ShardedImages.toLabeledImages(shards.train().iterator(), "training shard " + w, dims,
                spec.classes(), normalization);
        LabeledImages test = ShardedImages.toLabeledImages(shards.test().iterator(), "test shard " + w, dims,
                spec.classes(), normalization);
        LabeledImages validation = ShardedImages.toLabeledImages(shards.validation().iterator(), "validation shard " + w,
                dims, spec.classes(), normalization);
        ShardedEpochOrder order = new ShardedEpochOrder(trainExamples, workers, options.batchSize(), options.seed());
        int shardSize = train == null ? 0 : train.size();
        if (shardSize != order.shardSize(w)) {
            throw new IllegalStateException("worker " + w + " received " + shardSize + " training images but its shard "
                    + "holds " + order.shardSize(w) + " of " + trainExamples);
        }
        Map<String, String> settings = EngineProbe.taskSettings(engineSettings, 0, ctx);
        ExecutorEngines.Engine engine = ExecutorEngines.acquire(settings, TaskGpu.assigned(ctx));
        try {
            String key = runKey();
            Network network = engine.network(key, () -> Networks.build(engine.backend(), spec,
                    EngineConf.from(settings).mecOptions(engine.backend().kind()), options.workspaceBudgetBytes(), options.seed(),
                    options.algorithmOverride()));
            network.measurePeaks(engine.backend().memoryTracker());
            BatchTensors batches = engine.batches(key, network);
            return train(ctx, rpc, w, attempt, engine, network, batches, train, new EvalSets(test, validation), order);
        } finally {
            ExecutorEngines.release(engine);
        }
    }

    /**
     * Tells the driver that this worker failed in a way a retry would repeat (anything but a killed task or a
     * failed RPC: a setting, the engine, the data, the model, memory), so that it stops the run at once instead of
     * letting Spark retry the stage. Best effort: if the driver cannot be told, Spark's retries still end the run.
     */
    private void reportPermanentFailure(PluginContext rpc, int attempt, int w, Throwable e) {
        TRACES.error("worker {} failed", w, e);
        try {
            org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
            rpc.ask(new WorkerFailed(runId, attempt, w, env.executorId(), env.blockManager().blockManagerId().host(),
                    SparkFailures.describe(e)));
        } catch (Exception | Error reportFailed) {
            e.addSuppressed(reportFailed);
        }
    }

    /** Networks are reused across runs with the same model and build settings (weights come from the driver). */
    private String runKey() {
        return modelText + "|seed=" + options.seed() + "|budget=" + options.workspaceBudgetBytes() + "|algorithm="
                + options.algorithmOverride();
    }

    private WorkerReport train(BarrierTaskContext ctx, PluginContext rpc, int w, int attempt, ExecutorEngines.Engine engine,
                               Network network, BatchTensors batches, LabeledImages train, EvalSets eval,
                               ShardedEpochOrder order) {
        List<Parameter> params = network.parameters();
        int size = ParameterVector.size(params);
        String executor = org.apache.spark.SparkEnv.get().executorId();
        String host = org.apache.spark.SparkEnv.get().blockManager().blockManagerId().host();
        Joined joined = (Joined) ask(rpc, new Join(runId, attempt, w, executor, host));
        ParameterVector.scatterValues(params, joined.weights().values());
        long step = joined.step();
        if (joined.evalEpoch() >= 0) {
            evaluate(rpc, attempt, w, joined.evalEpoch(), network, batches, eval);
        }
        int steps = order.stepsPerEpoch();
        long total = (long) steps * options.epochs();
        long stepsDone = 0;
        long imagesDone = 0;
        long computeTotal = 0;
        long commNanos = 0;
        int epochOfBatches = -1;
        MiniBatches local = null;
        SliceExchange exchange = aggregation == GradientAggregation.SLICES
                ? new SliceExchange(runId, attempt, w, new SliceRanges(size, workers), wire) : null;
        float[] weights = exchange == null ? null : new float[size];
        // One gradient array for every step: the driver reads a part only until it answers it (a local ask passes
        // it by reference), a remote ask has encoded it before it returns, and the exchange stores copies.
        float[] gradientSum = new float[size];
        LOG.info("worker {} (attempt {}) starts at step {} of {} with {} training images on engine {}, {} aggregation, {} "
                + "gradients", w, attempt, step, total, train.size(), engine.id(), aggregation.configName(), wire.configName());
        while (step < total) {
            ctx.killTaskIfInterrupted();
            int epoch = (int) (step / steps);
            if (epoch != epochOfBatches) {
                local = order.localBatches(w, epoch);
                epochOfBatches = epoch;
            }
            int[] idx = ShardedEpochOrder.localBatch(local, (int) (step % steps));
            long t0 = System.nanoTime();
            float[] gradient = null;
            double lossSum = 0;
            int correct = 0;
            if (idx.length > 0) {
                for (Layer layer : network.layers()) {
                    if (layer instanceof DropoutLayer d) {
                        d.setPasses(step * workers + w);
                    }
                }
                int[] global = new int[idx.length];
                for (int i = 0; i < idx.length; i++) {
                    global[i] = order.globalIndex(w, idx[i]);
                }
                SoftmaxCrossEntropy.Result r = TrainingSteps.forwardBackward(network, batches, batches.loadAugmented(
                        train, idx, options.augmentation(), options.seed(), epoch, global));
                gradient = gradientSum;
                ParameterVector.gatherGradients(params, gradient);
                float images = r.count();
                for (int i = 0; i < size; i++) {
                    gradient[i] *= images;
                }
                lossSum = r.loss() * r.count();
                correct = r.correct();
            }
            long compute = System.nanoTime() - t0;
            long c0 = System.nanoTime();
            // The replies wait, without polling, for the other workers (Spark's BarrierTaskContext.barrier() waits
            // in 1 s slices, far above a step).
            if (exchange == null) {
                FloatVector part = gradient == null ? null
                        : wire == GradientWireFormat.BF16 ? FloatVector.bf16(gradient) : new FloatVector(gradient);
                GradientsAck ack = (GradientsAck) stepAsk(ctx, new Gradients(runId, attempt, w, step, part, idx.length,
                        lossSum, correct, compute, commNanos));
                ParameterVector.scatterValues(params, ack.weights().values());
            } else {
                exchange.putGradient(step, gradient);
                SlicePeers peers = (SlicePeers) stepAsk(ctx, new SliceCounts(runId, attempt, w, step, idx.length, lossSum,
                        correct, compute, commNanos, exchange.executorId(), exchange.host(), exchange.port()));
                float[] reduced = exchange.reduceOwnSlice(step, gradient, peers);
                float[] own = ((WeightsSlice) stepAsk(ctx, new ReducedSlice(runId, attempt, w, step,
                        new FloatVector(reduced)))).slice().values();
                exchange.putWeights(step + 1, own);
                stepAsk(ctx, new WeightsStored(runId, attempt, w, step + 1));
                exchange.fetchWeights(step + 1, own, peers, weights);
                ParameterVector.scatterValues(params, weights);
            }
            commNanos = System.nanoTime() - c0;
            step++;
            stepsDone++;
            imagesDone += idx.length;
            computeTotal += compute;
            imagesAccumulator.add(idx.length);
            stepsAccumulator.add(1);
            computeMillisAccumulator.add(compute / 1_000_000);
            if ((hasTestSet || hasValidationSet) && step % steps == 0) {
                evaluate(rpc, attempt, w, (int) (step / steps) - 1, network, batches, eval);
            }
        }
        List<LayerMemoryRow> rows = LayerMemoryRow.measure(network);
        workspaceAccumulator.add(rows.stream().mapToLong(LayerMemoryRow::workspaceBytes).sum());
        String gpu = engine.assignedGpu().isPresent() ? Integer.toString(engine.assignedGpu().getAsInt()) : "";
        return new WorkerReport(w, executor, host, engine.id(), engine.uses(), engine.backend().kind(), gpu, stepsDone,
                imagesDone, computeTotal, rows);
    }

    /** A worker's evaluation shards after normalization; either may be null (an empty shard). */
    private record EvalSets(LabeledImages test, LabeledImages validation) {
    }

    private void evaluate(PluginContext rpc, int attempt, int w, int epoch, Network network, BatchTensors batches,
                          EvalSets eval) {
        TrainingSteps.Totals t = totals(network, batches, eval.test());
        TrainingSteps.Totals v = totals(network, batches, eval.validation());
        ask(rpc, new EpochEval(runId, attempt, w, epoch, t.lossSum(), t.correct(), t.count(), v.lossSum(), v.correct(),
                v.count()));
    }

    private TrainingSteps.Totals totals(Network network, BatchTensors batches, LabeledImages set) {
        return set == null ? new TrainingSteps.Totals(0, 0, 0)
                : TrainingSteps.evaluate(network, batches, set, options.batchSize());
    }

    private static Object ask(PluginContext rpc, Object message) {
        try {
            return rpc.ask(message);
        } catch (Exception e) {
            throw new RpcFailure(message, e);
        }
    }

    /** Asks the driver through {@link DriverAsk}, whose reply waits for the other workers. */
    private static Object stepAsk(BarrierTaskContext ctx, Object message) {
        try {
            return DriverAsk.ask(message, ctx);
        } catch (TaskKilledException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RpcFailure(message, e);
        }
    }

    /** A failed or rejected request to the driver: the driver knows why, or the connection broke (retryable). */
    private static final class RpcFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        RpcFailure(Object request, Exception cause) {
            super("training RPC to the driver failed (" + request.getClass().getSimpleName() + "): "
                    + cause.getMessage(), cause);
        }
    }
}
