package org.sparkmec.spark.executor;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.spark.TaskContext;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.BatchTensors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent MEC engines of this JVM (an executor, or the driver in local mode): a backend with the
 * networks built on it, created once and reused by every later task with the same settings, so a task
 * (or a retried stage) does not rebuild backends, networks or their warm buffers.
 *
 * <p>A backend is driven by one thread at a time, so each concurrently running task {@link #acquire}s an
 * engine for itself and {@link #release}s it when done; at most one engine per concurrent task slot (and
 * assigned GPU) is ever created. Engines live until {@link #closeAll} (the executor plugin's shutdown).
 *
 * <p>GPU binding: an engine is created for, and pooled under, its settings <em>and</em> the GPU that Spark
 * assigned to the task that created it ({@link TaskGpu}), so a task never gets an engine bound to another
 * task's GPU. Without an assigned GPU the CUDA backend uses {@code spark.mec.cuda.device}.
 */
public final class ExecutorEngines {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngines.class);
    private static final Map<PoolKey, ConcurrentLinkedDeque<Engine>> IDLE = new ConcurrentHashMap<>();
    private static final AtomicInteger CREATED = new AtomicInteger();

    private ExecutorEngines() {
    }

    /** What engines are pooled by: settings and the assigned GPU (OptionalInt: value equality). */
    private record PoolKey(Map<String, String> settings, OptionalInt assignedGpu) {
    }

    /** A backend and the networks built on it; used by one task at a time. */
    public static final class Engine implements AutoCloseable {
        private final int id;
        private final PoolKey key;
        private final Backend backend;
        private final Map<String, Network> networks = new HashMap<>();
        private final Map<String, BatchTensors> batches = new HashMap<>();
        private int uses;

        private Engine(int id, PoolKey key, Backend backend) {
            this.id = id;
            this.key = key;
            this.backend = backend;
        }

        /** Engine number within this JVM, from 1. */
        public int id() {
            return id;
        }

        public Backend backend() {
            return backend;
        }

        /**
         * The GPU ordinal Spark assigned to the task this engine was created for (every task that reuses it was
         * assigned the same one); empty without Spark GPU resources. The engine runs on it when
         * {@code backend().kind()} is CUDA; with CPU (backend {@code cpu}, or {@code auto} without a usable
         * GPU) the assigned GPU stays unused.
         */
        public OptionalInt assignedGpu() {
            return key.assignedGpu();
        }

        /** Tasks that have used this engine, the current one included. */
        public int uses() {
            return uses;
        }

        /** The network known by {@code key} (model, seed and build options), built on first use. */
        public Network network(String key, Supplier<Network> build) {
            return networks.computeIfAbsent(key, k -> build.get());
        }

        /** The reusable batch tensors of the network known by {@code key}. */
        public BatchTensors batches(String key, Network network) {
            return batches.computeIfAbsent(key, k -> new BatchTensors(backend, network));
        }

        @Override
        public void close() {
            batches.values().forEach(BatchTensors::close);
            batches.clear();
            networks.values().forEach(Network::close);
            networks.clear();
            backend.close();
        }
    }

    /**
     * An idle engine with these settings, created for the same assigned GPU, or a new one. Logs the GPU
     * binding per task when a GPU was assigned.
     *
     * @param settings    validated {@code spark.mec.*} engine settings (the thread count already resolved)
     * @param assignedGpu the GPU ordinal Spark assigned to the calling task ({@link TaskGpu#assigned}), used
     *                    instead of {@code spark.mec.cuda.device}; empty without Spark GPU resources
     * @throws IllegalStateException if {@code spark.mec.backend=cuda} and that GPU cannot be used, naming the
     *                               GPU, where its number came from and the reason
     */
    public static Engine acquire(Map<String, String> settings, OptionalInt assignedGpu) {
        PoolKey key = new PoolKey(new TreeMap<>(Objects.requireNonNull(settings, "settings")),
                Objects.requireNonNull(assignedGpu, "assignedGpu"));
        Engine engine = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).pollFirst();
        if (engine == null) {
            Backend backend = Backends.create(EngineConf.from(key.settings()), assignedGpu);
            engine = new Engine(CREATED.incrementAndGet(), key, backend);
            LOG.info("created MEC engine {} in this JVM: {}", engine.id, engine.backend.description());
        } else {
            LOG.info("reusing MEC engine {} (used by {} earlier tasks)", engine.id, engine.uses);
        }
        engine.uses++;
        if (assignedGpu.isPresent()) {
            logBinding(engine, assignedGpu.getAsInt(), key.settings());
        }
        return engine;
    }

    private static void logBinding(Engine engine, int gpu, Map<String, String> settings) {
        TaskContext task = TaskContext.get();
        String who = task == null ? "outside a task" : TaskGpu.describe(task);
        if (engine.backend.kind() == BackendKind.CUDA) {
            LOG.info("{}: MEC engine {} bound to GPU address {} assigned by Spark", who, engine.id, gpu);
        } else if (engine.uses == 1) {
            LOG.warn("{}: Spark assigned GPU address {}, but MEC engine {} runs on the {} backend ({}={}), so that "
                    + "GPU stays idle", who, gpu, engine.id, engine.backend.kind(), EngineConf.BACKEND.key(),
                    EngineConf.from(settings).get(EngineConf.BACKEND).configName());
        } else {
            LOG.info("{}: Spark assigned GPU address {}; MEC engine {} runs on the {} backend", who, gpu, engine.id,
                    engine.backend.kind());
        }
    }

    /** Returns an engine for later tasks. */
    public static void release(Engine engine) {
        IDLE.computeIfAbsent(engine.key, k -> new ConcurrentLinkedDeque<>()).addFirst(engine);
    }

    /** Engines created in this JVM so far. */
    public static int created() {
        return CREATED.get();
    }

    /** Closes every idle engine (at executor shutdown). */
    public static void closeAll() {
        for (ConcurrentLinkedDeque<Engine> engines : IDLE.values()) {
            for (Engine e; (e = engines.pollFirst()) != null; ) {
                e.close();
            }
        }
    }
}
