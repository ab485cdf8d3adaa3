package org.sparkmec.spark.train;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.buffer.ManagedBuffer;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.TestBlockId;
import org.apache.spark.util.io.ChunkedByteBuffer;
import org.sparkmec.engine.train.GradientWireFormat;
import org.sparkmec.spark.train.TrainMessages.SlicePeers;
import scala.reflect.ClassTag$;

/**
 * A worker's side of the sliced aggregation: the gradient and weight slices it exchanges with the other workers
 * through Spark's block manager, peer to peer, so that the driver receives and sends each parameter once per step
 * whatever the number of workers.
 *
 * <p>Per step: the worker stores slice {@code j} of its gradient sum as a block for every other worker {@code j}
 * ({@link #putGradient}); once the driver says every worker has done so ({@link SlicePeers}), it fetches slice
 * {@code w} (its own) of every other worker's gradient and sums the parts in worker order from 0
 * ({@link #reduceOwnSlice}: per float the same additions, in the same order, as the driver's fold, so the result
 * equals the driver-side aggregation bit for bit); the driver applies the update and answers with the new weights
 * of slice {@code w}, which the worker stores as a block ({@link #putWeights}) and, once every slice is stored,
 * it fetches the other slices ({@link #fetchWeights}).
 *
 * <p>Blocks: {@code test_mec_<run>_<attempt>_g<step>_<from>_<slice>} and {@code ..._w<step>_<slice>} (Spark's
 * {@link TestBlockId} is its one block id with a free-form name), serialized memory only, raw little-endian
 * floats, not reported to the block manager master (peers fetch them from the address in {@link SlicePeers}).
 * A worker removes its gradient blocks once the step is committed (every owner has fetched them) and its
 * weight block after the next step's first exchange; blocks of other runs and attempts that this JVM put
 * are removed when an exchange of a new run or attempt starts, and a run's last weight blocks stay until then.
 *
 * <p>A worker's W-1 fetches of a phase run in parallel (at most {@link #PARALLEL_FETCHES} per JVM at a time), and
 * the parts are added in worker order once fetched, so the sums do not depend on which fetch ends first.
 *
 * <p>One instance per worker task; not thread-safe. The block registry and the fetch threads are per JVM and
 * thread-safe.
 */
final class SliceExchange {
    /** Blocks this JVM put, by block id, with the run-and-attempt prefix they belong to. */
    private static final Map<BlockId, String> PUT = new ConcurrentHashMap<>();
    /** Block fetches in flight per JVM at most. */
    static final int PARALLEL_FETCHES = 16;
    private static final ExecutorService FETCHES = fetchThreads();

    private final String prefix;
    private final int worker;
    private final SliceRanges slices;
    private final boolean bf16;
    private final BlockManager blocks;
    private final List<BlockId> gradientBlocks = new ArrayList<>();
    private BlockId weightBlock;
    private BlockId staleWeightBlock;

    /** @param wire the format of the gradient slices: with bf16 the gradient is rounded in place before it is stored */
    SliceExchange(String runId, int attempt, int worker, SliceRanges slices, GradientWireFormat wire) {
        this.prefix = "mec_" + runId + "_" + attempt + "_";
        this.worker = worker;
        this.slices = slices;
        this.bf16 = wire == GradientWireFormat.BF16;
        this.blocks = SparkEnv.get().blockManager();
        removeBlocksOfOtherRuns(prefix);
    }

    /** This worker's block manager: where its peers fetch its blocks. */
    String executorId() {
        return blocks.blockManagerId().executorId();
    }

    String host() {
        return blocks.blockManagerId().host();
    }

    int port() {
        return blocks.blockManagerId().port();
    }

    /**
     * Stores slice {@code j} of {@code gradientSum} for every other worker {@code j} (in bfloat16, rounded in place
     * first, when the wire format says so); nothing when the gradient is null (no images this step: the owners skip
     * this worker).
     */
    void putGradient(long step, float[] gradientSum) {
        removeStaleWeights();
        if (gradientSum == null) {
            return;
        }
        if (bf16) {
            Bf16.roundInPlace(gradientSum);
        }
        for (int j = 0; j < slices.workers(); j++) {
            if (j != worker) {
                BlockId id = gradientId(step, worker, j);
                put(id, gradientSum, slices.from(j), slices.length(j), bf16);
                gradientBlocks.add(id);
            }
        }
    }

    /**
     * Slice {@code w} of the step's gradient summed over every worker with images, in worker order from 0:
     * this worker's own part from {@code ownGradient}, the others' fetched from their block managers.
     */
    float[] reduceOwnSlice(long step, float[] ownGradient, SlicePeers peers) {
        int from = slices.from(worker);
        int len = slices.length(worker);
        float[] sum = new float[len];
        List<CompletableFuture<ByteBuffer>> parts = new ArrayList<>();
        for (int v = 0; v < slices.workers(); v++) {
            BlockId id = gradientId(step, v, worker);
            int peer = v;
            parts.add(v == worker || peers.images()[v] == 0 ? null
                    : CompletableFuture.supplyAsync(() -> fetch(peers, peer, id, len, bf16), FETCHES));
        }
        for (int v = 0; v < slices.workers(); v++) {
            if (peers.images()[v] == 0) {
                continue;
            }
            if (v == worker) {
                for (int i = 0; i < len; i++) {
                    sum[i] += ownGradient[from + i];
                }
            } else {
                ByteBuffer part = fetched(parts.get(v));
                for (int i = 0; i < len; i++) {
                    sum[i] += bf16 ? Bf16.toFloat(part.getShort(2 * i)) : part.getFloat(4 * i);
                }
            }
        }
        return sum;
    }

    /**
     * Stores this worker's slice of the weights after step {@code step} for the others, and drops its gradient
     * blocks of the step (the driver committed it, so every owner has fetched them).
     */
    void putWeights(long step, float[] slice) {
        for (BlockId id : gradientBlocks) {
            remove(id);
        }
        gradientBlocks.clear();
        staleWeightBlock = weightBlock;
        weightBlock = weightId(step, worker);
        put(weightBlock, slice, 0, slice.length, false);
    }

    /** Fills {@code weights} with every slice after step {@code step}: its own from {@code own}, the rest fetched. */
    void fetchWeights(long step, float[] own, SlicePeers peers, float[] weights) {
        List<CompletableFuture<ByteBuffer>> parts = new ArrayList<>();
        for (int j = 0; j < slices.workers(); j++) {
            BlockId id = weightId(step, j);
            int peer = j;
            int len = slices.length(j);
            parts.add(j == worker ? null : CompletableFuture.supplyAsync(() -> fetch(peers, peer, id, len, false), FETCHES));
        }
        for (int j = 0; j < slices.workers(); j++) {
            int from = slices.from(j);
            int len = slices.length(j);
            if (j == worker) {
                System.arraycopy(own, 0, weights, from, len);
            } else {
                fetched(parts.get(j)).asFloatBuffer().get(weights, from, len);
            }
        }
    }

    /** The fetched block's bytes; a fetch's failure rethrown as it was thrown. */
    private static ByteBuffer fetched(CompletableFuture<ByteBuffer> part) {
        try {
            return part.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private static ExecutorService fetchThreads() {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(PARALLEL_FETCHES, PARALLEL_FETCHES, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "spark-mec-slice-fetch-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private BlockId gradientId(long step, int from, int slice) {
        return new TestBlockId(prefix + "g" + step + "_" + from + "_" + slice);
    }

    private BlockId weightId(long step, int slice) {
        return new TestBlockId(prefix + "w" + step + "_" + slice);
    }

    /** The previous step's weight block: every peer fetched it before this step's first exchange completed. */
    private void removeStaleWeights() {
        if (staleWeightBlock != null) {
            remove(staleWeightBlock);
            staleWeightBlock = null;
        }
    }

    private void put(BlockId id, float[] values, int from, int len, boolean asBf16) {
        ByteBuffer bytes = ByteBuffer.allocate((asBf16 ? 2 : 4) * len).order(ByteOrder.LITTLE_ENDIAN);
        if (asBf16) {
            Bf16.putTopHalves(bytes, values, from, len);
            bytes.flip();
        } else {
            bytes.asFloatBuffer().put(values, from, len);
        }
        if (!blocks.putBytes(id, new ChunkedByteBuffer(bytes), StorageLevel.MEMORY_ONLY_SER(), false,
                ClassTag$.MODULE$.apply(byte[].class))) {
            throw new IllegalStateException("the block manager of executor " + executorId() + " refused block " + id.name()
                    + " (" + bytes.capacity() + " bytes): too little storage memory for the sliced aggregation; raise "
                    + "spark.executor.memory or set spark.mec.train.aggregation=driver");
        }
        PUT.put(id, prefix);
    }

    private ByteBuffer fetch(SlicePeers peers, int peer, BlockId id, int floats, boolean asBf16) {
        long expected = (asBf16 ? 2L : 4L) * floats;
        ManagedBuffer buffer;
        try {
            buffer = blocks.blockTransferService().fetchBlockSync(peers.hosts()[peer], peers.ports()[peer],
                    peers.executorIds()[peer], id.name(), null);
        } catch (Exception e) {
            // Spark's fetch throws its checked exceptions undeclared; a lost peer is what a stage retry repairs.
            throw new PeerFetchFailure("could not fetch block " + id.name() + " from worker " + peer + " (executor "
                    + peers.executorIds()[peer] + " at " + peers.hosts()[peer] + ":" + peers.ports()[peer] + "): "
                    + e.getMessage(), e);
        }
        try {
            ByteBuffer bytes = buffer.nioByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (bytes.remaining() != expected) {
                throw new IllegalStateException("block " + id.name() + " from worker " + peer + " holds " + bytes.remaining()
                        + " bytes, expected " + expected);
            }
            return bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("could not read block " + id.name() + " from worker " + peer + ": "
                    + e.getMessage(), e);
        } finally {
            buffer.release();
        }
    }

    private void remove(BlockId id) {
        blocks.removeBlock(id, false);
        PUT.remove(id);
    }

    /** A block could not be fetched from a peer (lost or unreachable): retryable, unlike a refused put. */
    static final class PeerFetchFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PeerFetchFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Removes the blocks this JVM put for runs or attempts other than {@code keep}'s. */
    private void removeBlocksOfOtherRuns(String keep) {
        for (Iterator<Map.Entry<BlockId, String>> it = PUT.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<BlockId, String> e = it.next();
            if (!e.getValue().equals(keep)) {
                blocks.removeBlock(e.getKey(), false);
                it.remove();
            }
        }
    }
}
