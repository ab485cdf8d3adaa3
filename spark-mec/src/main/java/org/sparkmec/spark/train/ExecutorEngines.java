package org.sparkmec.spark.train;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.Backends;
import org.sparkmec.engine.config.EngineConf;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.train.BatchTensors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent MEC engines of this JVM (an executor, or the driver in local mode): a backend with the
 * networks built on it, created once and reused by every later task with the same settings, so a task
 * (or a retried stage) does not rebuild backends, networks or their warm buffers.
 *
 * <p>A backend is driven by one thread at a time, so each concurrently running task {@link #acquire}s an
 * engine for itself and {@link #release}s it when done; at most one engine per concurrent task slot is
 * ever created. Engines live until {@link #closeAll} (the executor plugin's shutdown).
 */
public final class ExecutorEngines {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngines.class);
    private static final Map<Map<String, String>, ConcurrentLinkedDeque<Engine>> IDLE = new ConcurrentHashMap<>();
    private static final AtomicInteger CREATED = new AtomicInteger();

    private ExecutorEngines() {
    }

    /** A backend and the networks built on it; used by one task at a time. */
    public static final class Engine implements AutoCloseable {
        private final int id;
        private final Map<String, String> settings;
        private final Backend backend;
        private final Map<String, Network> networks = new HashMap<>();
        private final Map<String, BatchTensors> batches = new HashMap<>();
        private int uses;

        private Engine(int id, Map<String, String> settings, Backend backend) {
            this.id = id;
            this.settings = settings;
            this.backend = backend;
        }

        /** Engine number within this JVM, from 1. */
        public int id() {
            return id;
        }

        public Backend backend() {
            return backend;
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
     * An idle engine with these settings, or a new one.
     *
     * @param settings validated {@code spark.mec.*} engine settings (the thread count already resolved)
     */
    public static Engine acquire(Map<String, String> settings) {
        Map<String, String> key = new TreeMap<>(Objects.requireNonNull(settings, "settings"));
        Engine engine = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).pollFirst();
        if (engine == null) {
            engine = new Engine(CREATED.incrementAndGet(), key, Backends.create(EngineConf.from(key)));
            LOG.info("created MEC engine {} in this JVM: {}", engine.id, engine.backend.description());
        } else {
            LOG.info("reusing MEC engine {} (used by {} earlier tasks)", engine.id, engine.uses);
        }
        engine.uses++;
        return engine;
    }

    /** Returns an engine for later tasks. */
    public static void release(Engine engine) {
        IDLE.computeIfAbsent(engine.settings, k -> new ConcurrentLinkedDeque<>()).addFirst(engine);
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
