package org.sparkmec.spark.train;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.nn.ParameterVector;
import org.sparkmec.engine.optim.LearningRateSchedule;
import org.sparkmec.engine.optim.Optimizer;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.engine.train.DivergenceCheck;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.StepListener;
import org.sparkmec.engine.train.TrainConf;
import org.sparkmec.engine.train.TrainingDivergedException;
import org.sparkmec.spark.DeferredReply;
import org.sparkmec.spark.SparkFailures;
import org.sparkmec.spark.train.TrainMessages.EpochEval;
import org.sparkmec.spark.train.TrainMessages.Gradients;
import org.sparkmec.spark.train.TrainMessages.GradientsAck;
import org.sparkmec.spark.train.TrainMessages.Join;
import org.sparkmec.spark.train.TrainMessages.Joined;
import org.sparkmec.spark.train.TrainMessages.Ok;
import org.sparkmec.spark.train.TrainMessages.ReducedSlice;
import org.sparkmec.spark.train.TrainMessages.Request;
import org.sparkmec.spark.train.TrainMessages.SliceCounts;
import org.sparkmec.spark.train.TrainMessages.SlicePeers;
import org.sparkmec.spark.train.TrainMessages.StepRequest;
import org.sparkmec.spark.train.TrainMessages.WeightsSlice;
import org.sparkmec.spark.train.TrainMessages.WeightsStored;
import org.sparkmec.spark.train.TrainMessages.WorkerFailed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side of one synchronous data-parallel training run: the single owner of the weights, the
 * optimizer state and the step count.
 *
 * <p>Protocol (messages in {@link TrainMessages}): each worker {@link Join}s and gets the current step and
 * weights; for every step it sends its {@link Gradients} (summed over its images) through
 * {@link #submit}, whose reply waits: the part that completes the step makes the coordinator average the
 * parts over all the step's images, apply the optimizer with the schedule's rate and publish the new
 * weights, which then answer every part of the step at once (no worker polls). After an epoch's last step
 * each worker sends its test-set totals ({@link EpochEval}).
 *
 * <p>Sliced aggregation ({@link SliceExchange}, the workers' side): instead of whole gradients, each worker
 * reports its counts ({@link SliceCounts}, answered with every worker's block address once all are in), sends
 * slice {@code w} of the gradient summed over all workers ({@link ReducedSlice}, answered with the weights of
 * that slice once every slice is in and the step committed) and reports when it stored that weight slice for
 * the others ({@link WeightsStored}, answered once all are stored). The driver receives and sends each
 * parameter once per step, whatever the number of workers; the update is the same pass on the same sums.
 *
 * <p>Aggregation: parts are added to one running sum in worker order as soon as every lower worker's part
 * is in (a part that arrives early waits, the others are dropped once added), so the sum is that of worker
 * order whatever the arrival order, and the driver holds one sum, not one array per worker. The last
 * worker's part, the averaging and the optimizer update ({@link Optimizer#flatStep}) are one pass over the
 * parameters, sharded over the driver's cores ({@link ParallelRanges}); every element's arithmetic is that
 * of one thread, so results do not depend on the sharding. The weights live in two flat arrays: the
 * published ones and the previous step's, which no worker reads any more and the next step overwrites.
 *
 * <p>Failures: a request of a newer barrier stage attempt discards the parts of the unfinished step (the
 * committed steps stay), so a retried stage resumes at the driver's current step and no update is lost
 * or applied twice; requests of older attempts are rejected. A published weights array is not modified
 * until two steps later (a local-mode RPC passes it by reference; by then every worker of the attempt has
 * sent a part computed from newer weights), and received gradient arrays are only read. A
 * {@link WorkerFailed} report (a failure a retry would repeat) stops the run at once through
 * {@link #onStop}: the trainer cancels the stage instead of letting Spark retry it; so does a step whose mean
 * loss is not finite or too large ({@link #divergenceCheck}) (checked before its update) or whose update makes
 * a weight non-finite (not published), which the epoch checkpoints therefore never hold.
 *
 * <p>Thread-safety: every method is synchronized; requests arrive on Spark's RPC threads (the plugin's and
 * the {@code DeferredReplyEndpoint}'s) and must not block them, so no method waits: a gradient part's
 * reply is kept and sent by the request that completes the step.
 */
public final class TrainingCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingCoordinator.class);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Floats of the averaged gradient a shard thread holds at a time (64 KiB, in cache during the update). */
    private static final int CHUNK = 1 << 14;

    /** Called on the RPC thread when an epoch's metrics are complete, with the weights at the epoch's end. */
    public interface EpochListener {
        void epochDone(EpochMetrics metrics, Checkpoint atEpochEnd);
    }

    private final String runId;
    private final int workers;
    private final int stepsPerEpoch;
    private final int epochs;
    /** Whether workers evaluate after every epoch: the run has a test set or a validation split (or both). */
    private final boolean hasTestSet;
    private final int logEverySteps;
    private final Network network;
    private final List<Parameter> parameters;
    private final Optimizer optimizer;
    private final LearningRateSchedule schedule;
    private final String modelText;
    private final long seed;
    private final List<String> classNames;
    private final int parameterCount;
    private final StepListener stepListener;
    private final EpochListener epochListener;

    private DivergenceCheck divergence = new DivergenceCheck(TrainConf.MAX_LOSS.parse(null));
    private Runnable stopAction;
    private String stopReason;
    private int attempt = -1;
    private int attemptsSeen;
    private long step;
    /** The published weights after {@code step} steps; never written while published. */
    private float[] weights;
    /** The weights before the last step: no worker reads them any more, so the next step writes into them. */
    private float[] spare;
    /** {@link #weights} as sent: one instance per step, so its wire encoding is made once. */
    private FloatVector published;
    /** The driver's time on the last commit (the last part, averaging and update). */
    private long lastCommitNanos;
    /** The replies of this step's parts, answered together when the step is committed (or failed). */
    private final WaitingReplies waiting;
    /** Sliced aggregation: the counts reports waiting for every worker's, and their block addresses. */
    private final WaitingReplies countsWaiting;
    private final SliceCounts[] counts;
    private int countsReceived;
    /**
     * Sliced aggregation: the reports of stored weight slices of the current step (all W are in, and answered,
     * before any worker can send the next step's, so the replies never span two steps).
     */
    private final WaitingReplies stored;
    private final SliceRanges slices;
    /** Parts received but not yet folded into {@link #sum}: only those after a missing lower worker's. */
    private final Gradients[] parts;
    private int partsReceived;
    /** The first worker whose part is not yet folded into {@link #sum} (parts are folded in worker order). */
    private int nextFold;
    /** The sum of the gradients of workers {@code [0, nextFold)}, valid when {@code nextFold > 0}. */
    private final float[] sum;
    private ParallelRanges shards = ParallelRanges.perCore();
    private final ThreadLocal<float[]> chunks = ThreadLocal.withInitial(() -> new float[CHUNK]);
    private int stepImages;
    private double stepLossSum;
    private long stepCorrect;
    private long stepCompute;
    private long stepComm;
    private long stepEndNanos;
    /** CPU time of this step's requests so far, and where the current request's started. */
    private long stepCpuNanos;
    private long requestCpuStart;
    private long stepBytesIn;
    private long stepBytesOut;

    private double epochLossSum;
    private long epochCorrect;
    private long epochImages;
    private long epochStartNanos;
    private int pendingEvalEpoch = -1;
    private Checkpoint pendingEvalSnapshot;
    private double[] pendingTrain;
    private final EpochEval[] evalParts;
    private int evalReceived;
    private final List<EpochMetrics> history = new ArrayList<>();
    private final StepTimes.Accumulator window = new StepTimes.Accumulator();
    private final StepTimes.Accumulator total = new StepTimes.Accumulator();
    private double windowLossSum;
    private long windowImages;

    /**
     * @param network    the driver's copy of the model, holding the initial weights; the coordinator reads them
     *                   once and keeps its own flat copy (it does not update the network's tensors; the caller
     *                   closes the network afterwards)
     * @param classNames the run's class names, put into every checkpoint ({@link Checkpoint#classNames()})
     * @param startStep  steps already applied to {@code network}'s weights and {@code optimizer} (0 for a
     *                   fresh run, or a checkpoint's step count)
     */
    public TrainingCoordinator(String runId, Network network, Optimizer optimizer, LearningRateSchedule schedule,
                               String modelText, long seed, List<String> classNames, int workers, int stepsPerEpoch,
                               int epochs, long startStep, boolean hasTestSet, int logEverySteps,
                               StepListener stepListener, EpochListener epochListener) {
        if (workers < 1 || stepsPerEpoch < 1 || epochs < 1) {
            throw new IllegalArgumentException("need at least one worker, step and epoch, got " + workers + ", "
                    + stepsPerEpoch + ", " + epochs);
        }
        if (startStep < 0 || startStep % stepsPerEpoch != 0 || startStep >= (long) stepsPerEpoch * epochs) {
            throw new IllegalArgumentException("a run starts at an epoch boundary before the last step ("
                    + (long) stepsPerEpoch * epochs + "), got step " + startStep);
        }
        this.runId = runId;
        this.network = network;
        this.parameters = network.parameters();
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.modelText = modelText;
        this.seed = seed;
        this.classNames = List.copyOf(classNames);
        this.workers = workers;
        this.stepsPerEpoch = stepsPerEpoch;
        this.epochs = epochs;
        this.hasTestSet = hasTestSet;
        this.logEverySteps = logEverySteps;
        this.stepListener = stepListener;
        this.epochListener = epochListener;
        this.parameterCount = ParameterVector.size(parameters);
        this.weights = new float[parameterCount];
        this.spare = new float[parameterCount];
        ParameterVector.gatherValues(parameters, weights);
        this.parts = new Gradients[workers];
        this.waiting = new WaitingReplies(workers);
        this.countsWaiting = new WaitingReplies(workers);
        this.counts = new SliceCounts[workers];
        this.stored = new WaitingReplies(workers);
        this.slices = new SliceRanges(parameterCount, workers);
        this.evalParts = new EpochEval[workers];
        this.sum = new float[parameterCount];
        this.step = startStep;
    }

    /** Shards the driver's work as {@code shards} says instead of one shard per core (tests). */
    synchronized TrainingCoordinator shardWith(ParallelRanges shards) {
        this.shards = shards;
        return this;
    }

    public String runId() {
        return runId;
    }

    public long totalSteps() {
        return (long) stepsPerEpoch * epochs;
    }

    /**
     * Handles one request from a worker other than a gradient part ({@link #submit}); throws to reject it (the
     * worker's task then fails).
     */
    public synchronized Object handle(Request request) {
        checkAddressed(request);
        if (request instanceof Gradients) {
            throw new IllegalArgumentException("gradient parts are submitted with a deferred reply, not handled");
        }
        requestCpuStart = cpuNanos();
        try {
            if (request instanceof Join join) {
                return join(join);
            }
            if (request instanceof WorkerFailed failed) {
                if (failed.attempt() == attempt) {
                    stop("worker " + failed.worker() + " failed on executor " + failed.executorId() + " ("
                            + failed.host() + ") at step " + (step + 1) + " of " + totalSteps() + ": " + failed.reason());
                }
                return new Ok();
            }
            checkAttempt(request);
            if (request instanceof EpochEval e) {
                return eval(e);
            }
            throw new IllegalArgumentException("unknown training request " + request.getClass().getName());
        } finally {
            stepCpuNanos += cpuNanos() - requestCpuStart;
        }
    }

    /**
     * Takes a worker's request of a step, whose reply waits for the other workers: a {@link Gradients} part is
     * answered with a {@link GradientsAck} carrying the new weights once every worker's part is in and the step is
     * committed; the sliced aggregation's requests as their records say. {@code reply} fails at once when the
     * request is rejected (another run, a replaced attempt, the wrong step, a duplicate, a malformed part), and
     * later when the run stops or a new stage attempt replaces this one before the step completes.
     */
    public synchronized void submit(StepRequest request, DeferredReply reply) {
        requestCpuStart = cpuNanos();
        try {
            checkAddressed(request);
            checkAttempt(request);
            if (request instanceof Gradients g) {
                gradients(g, reply);
            } else if (request instanceof SliceCounts c) {
                sliceCounts(c, reply);
            } else if (request instanceof ReducedSlice r) {
                reducedSlice(r, reply);
            } else if (request instanceof WeightsStored w) {
                weightsStored(w, reply);
            } else {
                throw new IllegalArgumentException("unknown step request " + request.getClass().getName());
            }
        } catch (RuntimeException e) {
            reply.fail(e);
        } finally {
            stepCpuNanos += cpuNanos() - requestCpuStart;
        }
    }

    private void checkAddressed(Request request) {
        if (!runId.equals(request.runId())) {
            throw new IllegalArgumentException("request for run " + request.runId() + " reached run " + runId);
        }
        if (request.worker() < 0 || request.worker() >= workers) {
            throw new IllegalArgumentException("worker " + request.worker() + " outside [0, " + workers + ")");
        }
    }

    private static long cpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** The published weights for a reply, counted as sent. */
    private FloatVector sent() {
        if (published == null || published.values() != weights) {
            published = new FloatVector(weights);
        }
        stepBytesOut += published.payloadBytes();
        return published;
    }

    private Joined join(Join join) {
        if (join.attempt() < attempt) {
            throw new IllegalStateException("worker " + join.worker() + " of stage attempt " + join.attempt()
                    + " joined after attempt " + attempt + " started; it is a leftover of a failed attempt");
        }
        if (join.attempt() > attempt) {
            if (attempt >= 0) {
                LOG.warn("training stage attempt {} replaces attempt {}: discarding {} of {} gradient parts of "
                        + "unfinished step {}; the workers resume at step {} of {}", join.attempt(), attempt,
                        partsReceived, workers, step + 1, step, totalSteps());
            }
            failWaiting("stage attempt " + join.attempt() + " replaced attempt " + attempt + " before step " + (step + 1)
                    + " completed");
            attempt = join.attempt();
            attemptsSeen++;
            discardParts();
            Arrays.fill(evalParts, null);
            evalReceived = 0;
            stepEndNanos = System.nanoTime();
            if (epochStartNanos == 0) {
                epochStartNanos = stepEndNanos;
            }
        } else if (partsReceived == 0 && countsReceived == 0) {
            // The step clock starts when the last worker of the attempt has joined: a step's time does not
            // include the workers' start (engines, networks, compilation).
            stepEndNanos = System.nanoTime();
        }
        LOG.info("worker {} joined (attempt {}, executor {} on {}) at step {}", join.worker(), join.attempt(),
                join.executorId(), join.host(), step);
        return new Joined(step, sent(), pendingEvalEpoch);
    }

    private void checkAttempt(Request request) {
        if (request.attempt() != attempt) {
            throw new IllegalStateException("worker " + request.worker() + " of stage attempt " + request.attempt()
                    + " is not part of the current attempt " + attempt + "; request rejected");
        }
    }

    private void gradients(Gradients g, DeferredReply reply) {
        checkStep(g, "gradients");
        if (parts[g.worker()] != null) {
            throw new IllegalStateException("worker " + g.worker() + " sent gradients of step " + g.step() + " twice");
        }
        if (g.images() < 0 || (g.images() == 0) != (g.gradientSum() == null)
                || (g.gradientSum() != null && g.gradientSum().length() != parameterCount)) {
            throw new IllegalArgumentException("worker " + g.worker() + " sent a malformed part of step " + g.step()
                    + ": " + g.images() + " images, gradient of "
                    + (g.gradientSum() == null ? "null" : g.gradientSum().length() + " floats") + ", expected "
                    + parameterCount + " floats (null only for 0 images)");
        }
        parts[g.worker()] = g;
        waiting.add(g.worker(), reply, () -> "worker " + g.worker() + " sent gradients of step " + g.step() + " twice");
        partsReceived++;
        stepBytesIn += g.gradientSum() == null ? 0 : g.gradientSum().payloadBytes();
        // Fold the parts into the sum in worker order, as far as they are here; the last worker's part is
        // folded by the commit, together with the averaging and the update.
        while (nextFold < workers - 1 && parts[nextFold] != null) {
            fold(parts[nextFold]);
            parts[nextFold] = null;
            nextFold++;
        }
        if (partsReceived < workers) {
            return;
        }
        // A commit on this thread alone leaves a core to every other worker of this JVM (local mode): they spin
        // through it instead of being woken after it.
        if (shards.shards(parameterCount) == 1 && workers <= shards.parallelism()) {
            waiting.imminent();
        }
        // A stopped run publishes nothing: stop() has failed the waiting replies.
        if (commit(parts[workers - 1])) {
            GradientsAck ack = new GradientsAck(published, lastCommitNanos);
            waiting.sendAll(w -> ack);
        }
    }

    private void checkStep(StepRequest request, String what) {
        if (request.step() != step) {
            throw new IllegalStateException("worker " + request.worker() + " sent " + what + " of step "
                    + request.step() + " but the run is at step " + step);
        }
    }

    private void sliceCounts(SliceCounts c, DeferredReply reply) {
        checkStep(c, "its slice counts");
        if (counts[c.worker()] != null) {
            throw new IllegalStateException("worker " + c.worker() + " sent its slice counts of step " + c.step() + " twice");
        }
        if (c.images() < 0) {
            throw new IllegalArgumentException("worker " + c.worker() + " reported " + c.images() + " images");
        }
        counts[c.worker()] = c;
        countsReceived++;
        if (!countsWaiting.add(c.worker(), reply, () -> "worker " + c.worker() + " sent its slice counts twice")) {
            return;
        }
        String[] executors = new String[workers];
        String[] hosts = new String[workers];
        int[] ports = new int[workers];
        int[] images = new int[workers];
        for (int w = 0; w < workers; w++) {
            SliceCounts part = counts[w];
            executors[w] = part.executorId();
            hosts[w] = part.host();
            ports[w] = part.port();
            images[w] = part.images();
            foldCounts(part.images(), part.lossSum(), part.correct(), part.computeNanos(), part.commNanos());
        }
        SlicePeers peers = new SlicePeers(executors, hosts, ports, images);
        countsWaiting.sendAll(w -> peers);
    }

    private void reducedSlice(ReducedSlice r, DeferredReply reply) {
        checkStep(r, "its reduced slice");
        if (countsReceived < workers) {
            throw new IllegalStateException("worker " + r.worker() + " sent its reduced slice of step " + r.step()
                    + " before every worker's counts were in");
        }
        int len = slices.length(r.worker());
        if (r.slice() == null || r.slice().length() != len) {
            throw new IllegalArgumentException("worker " + r.worker() + " sent a reduced slice of "
                    + (r.slice() == null ? "null" : r.slice().length() + " floats") + ", expected " + len);
        }
        boolean allIn = waiting.add(r.worker(), reply,
                () -> "worker " + r.worker() + " sent its reduced slice of step " + r.step() + " twice");
        System.arraycopy(r.slice().values(), 0, sum, slices.from(r.worker()), len);
        stepBytesIn += r.slice().payloadBytes();
        if (allIn && commit(null)) {
            waiting.sendAll(w -> new WeightsSlice(new FloatVector(
                    Arrays.copyOfRange(weights, slices.from(w), slices.to(w))), lastCommitNanos));
        }
    }

    private void weightsStored(WeightsStored s, DeferredReply reply) {
        checkStep(s, "its stored weight slice");
        if (stored.add(s.worker(), reply,
                () -> "worker " + s.worker() + " reported its weight slice of step " + s.step() + " twice")) {
            stored.sendAll(w -> new Ok());
        }
    }

    /** Fails every waiting reply of the current step with {@code reason} (the step will not complete). */
    private void failWaiting(String reason) {
        waiting.failAll(reason);
        countsWaiting.failAll(reason);
        stored.failAll(reason);
    }

    private void discardParts() {
        Arrays.fill(parts, null);
        Arrays.fill(counts, null);
        countsReceived = 0;
        partsReceived = 0;
        nextFold = 0;
        stepImages = 0;
        stepLossSum = 0;
        stepCorrect = 0;
        stepCompute = 0;
        stepComm = 0;
    }

    /** Adds the part of worker {@code nextFold} to the sum (sharded; the same sums as one thread's). */
    private void fold(Gradients part) {
        foldCounts(part);
        float[] g = part.gradientSum() == null ? null : part.gradientSum().values();
        if (nextFold == 0) {
            if (g == null) {
                stepCpuNanos += shards.run(parameterCount, (from, to) -> Arrays.fill(sum, from, to, 0f));
            } else {
                stepCpuNanos += shards.run(parameterCount, (from, to) -> {
                    for (int i = from; i < to; i++) {
                        sum[i] = 0f + g[i];
                    }
                });
            }
        } else if (g != null) {
            stepCpuNanos += shards.run(parameterCount, (from, to) -> {
                for (int i = from; i < to; i++) {
                    sum[i] += g[i];
                }
            });
        }
    }

    private void foldCounts(Gradients part) {
        foldCounts(part.images(), part.lossSum(), part.correct(), part.computeNanos(), part.commNanos());
    }

    /** Adds a worker's counts to the step's: images, loss and correct summed, compute the slowest worker's. */
    private void foldCounts(int images, double lossSum, int correct, long computeNanos, long commNanos) {
        stepImages += images;
        stepLossSum += lossSum;
        stepCorrect += correct;
        stepCompute = Math.max(stepCompute, computeNanos);
        stepComm += commNanos;
    }

    /**
     * Folds the last worker's part, averages the sum over the step's images, applies the optimizer and publishes
     * the weights, in one pass over the parameters sharded over the driver's cores, then answers every waiting
     * part with them. Per element the arithmetic is that of summing the parts in worker order from 0, scaling
     * by {@code 1 / images} and {@link Optimizer#step}, so the result does not depend on the sharding or on the
     * parts' arrival order. Returns false, publishing nothing, when the run diverged (a loss that is not finite
     * or too large, before the update, or weights that the update made non-finite) and is stopped.
     */
    private boolean commit(Gradients lastPart) {
        long t0 = System.nanoTime();
        if (lastPart != null) {
            foldCounts(lastPart);
        }
        int images = stepImages;
        double lossSum = stepLossSum;
        long correct = stepCorrect;
        long compute = stepCompute;
        long comm = stepComm;
        int epoch = (int) (step / stepsPerEpoch);
        int inEpoch = (int) (step % stepsPerEpoch);
        double rate = schedule.rate(epoch, inEpoch, stepsPerEpoch);
        try {
            divergence.checkLoss(lossSum / images, epoch, inEpoch, stepsPerEpoch, rate);
        } catch (TrainingDivergedException e) {
            stop(e.getMessage());
            return false;
        }
        Optimizer.FlatStep update = optimizer.flatStep(parameters, rate);
        float scale = 1f / images;
        float[] last = lastPart == null || lastPart.gradientSum() == null ? null : lastPart.gradientSum().values();
        // Sliced: the whole sum is in (every slice summed by its owner in worker order).
        boolean folded = lastPart == null || nextFold > 0;
        float[] current = weights;
        float[] next = spare;
        AtomicBoolean nonFinite = new AtomicBoolean();
        stepCpuNanos += shards.run(parameterCount, (from, to) -> {
            float[] g = chunks.get();
            for (int at = from; at < to; at += CHUNK) {
                int len = Math.min(CHUNK, to - at);
                for (int i = 0; i < len; i++) {
                    float s = folded ? sum[at + i] : 0f;
                    if (last != null) {
                        s += last[at + i];
                    }
                    g[i] = s * scale;
                }
                // Reads the current weights, writes the next ones (no copy first); checks them while in cache.
                update.update(current, at, next, at, g, 0, at, len);
                if (!nonFinite.get() && !DivergenceCheck.allFinite(next, at, len)) {
                    nonFinite.set(true);
                }
            }
        });
        if (nonFinite.get()) {
            stop(String.format(Locale.ROOT, "training diverged at epoch %d step %d of %d: the weights became "
                    + "non-finite at learning rate %s; lower the learning rate (--lr)", epoch + 1, inEpoch + 1,
                    stepsPerEpoch, rate));
            return false;
        }
        spare = current;
        weights = next;
        step++;
        published = new FloatVector(weights);
        // Whole weights to every worker, or each slice to its owner.
        stepBytesOut += lastPart != null ? (long) workers * published.payloadBytes() : published.payloadBytes();
        discardParts();

        long now = System.nanoTime();
        long driver = now - t0;
        long cpuNow = cpuNanos();
        long cpu = stepCpuNanos + cpuNow - requestCpuStart;
        window.add(now - stepEndNanos, compute, comm / workers, driver, images, cpu, stepBytesIn, stepBytesOut);
        total.add(now - stepEndNanos, compute, comm / workers, driver, images, cpu, stepBytesIn, stepBytesOut);
        stepCpuNanos = 0;
        requestCpuStart = cpuNow;
        stepBytesIn = 0;
        stepBytesOut = 0;
        stepEndNanos = now;
        lastCommitNanos = driver;
        windowLossSum += lossSum;
        windowImages += images;
        epochLossSum += lossSum;
        epochCorrect += correct;
        epochImages += images;
        if (stepListener != null) {
            stepListener.step(step, lossSum / images, images);
        }
        if (step % logEverySteps == 0 || step == totalSteps()) {
            StepTimes w = window.snapshot();
            LOG.info(String.format(Locale.ROOT, "step %d/%d (epoch %d): loss %.4f, %.0f images/s, %.2f ms/step: "
                            + "compute %.2f ms, gradient and weight transfer %.2f ms, aggregation + update %.2f ms; driver CPU %.2f ms, "
                            + "%.2f MB in, %.2f MB out per step",
                    step, totalSteps(), epoch + 1, windowLossSum / windowImages, w.imagesPerSecond(), w.stepMs(),
                    w.computeMs(), w.commMs(), w.driverMs(), w.driverCpuMs(), w.bytesIn() / 1e6, w.bytesOut() / 1e6));
            window.reset();
            windowLossSum = 0;
            windowImages = 0;
        }
        if (step % stepsPerEpoch == 0) {
            endEpochTraining(epoch, now);
        }
        return true;
    }

    private void endEpochTraining(int epoch, long now) {
        double seconds = (now - epochStartNanos) / 1e9;
        pendingTrain = new double[] {epochLossSum / epochImages, (double) epochCorrect / epochImages,
            epochImages / seconds};
        pendingEvalSnapshot = checkpoint(epoch + 1);
        epochLossSum = 0;
        epochCorrect = 0;
        epochImages = 0;
        epochStartNanos = now;
        if (hasTestSet) {
            pendingEvalEpoch = epoch;
        } else {
            finishEpoch(epoch, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
    }

    private Ok eval(EpochEval e) {
        if (e.epoch() != pendingEvalEpoch) {
            throw new IllegalStateException("worker " + e.worker() + " sent the test totals of epoch " + (e.epoch() + 1)
                    + " but " + (pendingEvalEpoch < 0 ? "no evaluation is pending"
                    : "the pending evaluation is that of epoch " + (pendingEvalEpoch + 1)));
        }
        if (evalParts[e.worker()] != null) {
            throw new IllegalStateException("worker " + e.worker() + " sent the test totals of epoch " + (e.epoch() + 1)
                    + " twice");
        }
        evalParts[e.worker()] = e;
        if (++evalReceived == workers) {
            double lossSum = 0;
            long correct = 0;
            long count = 0;
            double validationLossSum = 0;
            long validationCorrect = 0;
            long validationCount = 0;
            for (EpochEval part : evalParts) {
                lossSum += part.lossSum();
                correct += part.correct();
                count += part.count();
                validationLossSum += part.validationLossSum();
                validationCorrect += part.validationCorrect();
                validationCount += part.validationCount();
            }
            Arrays.fill(evalParts, null);
            evalReceived = 0;
            pendingEvalEpoch = -1;
            // Nor does it include the evaluation between epochs.
            if (partsReceived == 0 && countsReceived == 0) {
                stepEndNanos = System.nanoTime();
            }
            // A set no worker holds has count 0: its mean is 0 / 0, NaN, as for a run without it.
            finishEpoch(e.epoch(), lossSum / count, (double) correct / count, validationLossSum / validationCount,
                    (double) validationCorrect / validationCount);
        }
        return new Ok();
    }

    private void finishEpoch(int epoch, double testLoss, double testAccuracy, double validationLoss,
                             double validationAccuracy) {
        EpochMetrics m = new EpochMetrics(epoch + 1, (long) (epoch + 1) * stepsPerEpoch, pendingTrain[0],
                pendingTrain[1], testLoss, testAccuracy, pendingTrain[2], validationLoss, validationAccuracy);
        history.add(m);
        LOG.info(String.format(Locale.ROOT, "epoch %d/%d: train loss %.4f acc %.2f%%, validation loss %.4f acc %.2f%%, "
                        + "test loss %.4f acc %.2f%%, %.0f images/s over %d workers", m.epoch(), epochs, m.trainLoss(),
                100 * m.trainAccuracy(), m.validationLoss(), 100 * m.validationAccuracy(), m.testLoss(),
                100 * m.testAccuracy(), m.imagesPerSecond(), workers));
        if (epochListener != null) {
            epochListener.epochDone(m, pendingEvalSnapshot);
        }
        pendingEvalSnapshot = null;
    }

    /** A checkpoint of the driver's state now, labelled as having completed {@code epochsCompleted} epochs. */
    private Checkpoint checkpoint(int epochsCompleted) {
        // The flat weights are the driver's truth; the network's parameter tensors are only synced for capture.
        ParameterVector.scatterValues(parameters, weights);
        return Checkpoint.capture(modelText, seed, epochsCompleted, step, network, false, optimizer.state(),
                classNames);
    }

    /**
     * Calls {@code action} (on the RPC thread, holding this coordinator's lock: it must not wait) when the run
     * must stop at once: a worker failed in a way a retry would repeat, or the loss diverged.
     */
    public synchronized void onStop(Runnable action) {
        this.stopAction = action;
    }

    /**
     * Stops the run ({@link #onStop}) at the first step whose mean loss {@code check} rejects (non-finite
     * weights always stop it), before that step's update is published; {@link TrainConf#MAX_LOSS}'s default
     * unless set.
     */
    public synchronized void divergenceCheck(DivergenceCheck check) {
        this.divergence = check;
    }

    /** Records the first reason to stop the run and runs the {@link #onStop} action. */
    private void stop(String reason) {
        if (stopReason == null) {
            stopReason = reason;
            // The trainer's exception says it on the terminal; the log file keeps it with the time.
            LoggerFactory.getLogger(SparkFailures.TRACE_LOGGER).error("stopping run {}: {}", runId, reason);
            failWaiting("the run was stopped: " + reason);
            if (stopAction != null) {
                stopAction.run();
            }
        }
    }

    /** Why the run was stopped at once ({@link #onStop}), or null. */
    public synchronized String stopReason() {
        return stopReason;
    }

    /** Steps applied so far. */
    public synchronized long step() {
        return step;
    }

    /** True when every step is applied and every epoch's metrics are complete. */
    public synchronized boolean isComplete() {
        return step == totalSteps() && pendingEvalEpoch < 0;
    }

    /** Stage attempts that joined (1 for a run without failures). */
    public synchronized int attempts() {
        return attemptsSeen;
    }

    public synchronized List<EpochMetrics> history() {
        return List.copyOf(history);
    }

    /** Mean step times over the whole run. */
    public synchronized StepTimes stepTimes() {
        return total.snapshot();
    }

    /** The current weights in {@code ParameterVector} order (not to be modified). */
    public synchronized float[] weights() {
        return weights;
    }

    /** The final model as a checkpoint without optimizer state (call when complete). */
    public synchronized Checkpoint finalModel() {
        return checkpoint(epochs).withoutOptimizer();
    }
}
