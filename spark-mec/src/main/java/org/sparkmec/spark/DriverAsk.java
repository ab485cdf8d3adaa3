package org.sparkmec.spark;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.rpc.RpcEndpointRef;
import org.apache.spark.rpc.RpcTimeout;
import org.apache.spark.util.RpcUtils;
import scala.concurrent.duration.FiniteDuration;
import scala.jdk.javaapi.FutureConverters;
import scala.reflect.ClassTag$;

/**
 * Executor side of {@link DeferredReplyEndpoint}: sends a request to the driver and waits for its reply,
 * which may come much later (when the other workers are done), without polling: the calling thread sleeps
 * on the reply and wakes when it arrives, or within {@link #KILL_CHECK_MILLIS} when Spark kills the task.
 *
 * <p>In local mode (the driver plugin runs in this JVM) the request goes straight to its handler on the calling
 * thread, without Spark's RPC dispatcher: no serialization and no thread hand-over (the part that completes a
 * step commits it on its worker's thread and wakes the others). There a handler may also say that the answer is
 * {@link DeferredReply#imminent imminent}: the waiting thread then spins for at most {@link #SPIN_NANOS} instead of
 * sleeping, so that waking it does not add to the step. Thread-safe.
 */
public final class DriverAsk {
    /** How often a waiting task checks whether Spark killed it, in milliseconds. */
    static final long KILL_CHECK_MILLIS = 100;
    /** How long a waiting thread spins at most once its answer is imminent, in nanoseconds. */
    static final long SPIN_NANOS = 1_000_000;
    /** No deadline of its own: a step waits for the slowest worker; a killed task or a lost driver ends it. */
    private static final RpcTimeout NO_DEADLINE = new RpcTimeout(
            FiniteDuration.apply(365, TimeUnit.DAYS), "spark-mec step wait (none)");

    /** The driver's endpoint as seen from one SparkEnv (a JVM may run several SparkContexts one after another). */
    private record Bound(SparkEnv env, RpcEndpointRef ref) {
    }

    private static volatile Bound bound;

    private DriverAsk() {
    }

    /**
     * Asks the driver and waits for the reply.
     *
     * @param task the running task, whose kill flag is checked while waiting; null outside a task
     * @throws org.apache.spark.TaskKilledException when the task is killed while waiting
     * @throws IllegalStateException carrying the driver handler's failure, or the transport's
     */
    public static Object ask(Object message, TaskContext task) {
        PendingReply reply = new PendingReply();
        if (MecSparkPlugin.driverActive()) {
            try {
                DriverMessageRoutes.routeDeferred(message, reply);
            } catch (RuntimeException e) {
                reply.fail(e);
            }
        } else {
            FutureConverters.asJava(endpoint().ask(message, NO_DEADLINE, ClassTag$.MODULE$.<Object>apply(Object.class)))
                    .whenComplete((value, failure) -> {
                        if (failure != null) {
                            reply.fail(failure instanceof CompletionException c && c.getCause() != null
                                    ? c.getCause() : failure);
                        } else {
                            reply.send(value);
                        }
                    });
        }
        return reply.await(task, message);
    }

    /** One request's reply as its asker waits for it: the first answer wins; answered from any thread. */
    private static final class PendingReply implements DeferredReply {
        private final Thread asker = Thread.currentThread();
        private final AtomicReference<Answer> answer = new AtomicReference<>();
        private volatile boolean imminent;

        @Override
        public void send(Object value) {
            answer(new Answer(value, null));
        }

        @Override
        public void fail(Throwable cause) {
            answer(new Answer(null, cause));
        }

        @Override
        public void imminent() {
            if (!imminent) {
                imminent = true;
                wakeAsker();
            }
        }

        private void answer(Answer a) {
            if (answer.compareAndSet(null, a)) {
                wakeAsker();
            }
        }

        private void wakeAsker() {
            if (Thread.currentThread() != asker) {
                LockSupport.unpark(asker);
            }
        }

        /** The asker's wait: sleeps in slices of {@link #KILL_CHECK_MILLIS}, spins once the answer is imminent. */
        Object await(TaskContext task, Object message) {
            long spinUntil = 0;
            while (true) {
                Answer a = answer.get();
                if (a != null) {
                    return a.valueOrThrow();
                }
                if (task != null) {
                    task.killTaskIfInterrupted();
                }
                if (imminent && spinUntil == 0) {
                    spinUntil = System.nanoTime() + SPIN_NANOS;
                }
                if (spinUntil != 0 && System.nanoTime() - spinUntil < 0) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(KILL_CHECK_MILLIS));
                }
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the driver's reply to "
                            + message.getClass().getSimpleName());
                }
            }
        }
    }

    /** A reply's value, or its failure when {@code failure} is not null. */
    private record Answer(Object value, Throwable failure) {
        Object valueOrThrow() {
            if (failure != null) {
                throw new IllegalStateException(failure.getMessage(), failure);
            }
            return value;
        }
    }

    private static RpcEndpointRef endpoint() {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            throw new IllegalStateException("no SparkEnv in this JVM: spark-mec's driver requests run in Spark tasks");
        }
        Bound b = bound;
        if (b == null || b.env() != env) {
            synchronized (DriverAsk.class) {
                b = bound;
                if (b == null || b.env() != env) {
                    b = new Bound(env, RpcUtils.makeDriverRef(DeferredReplyEndpoint.NAME, env.conf(), env.rpcEnv()));
                    bound = b;
                }
            }
        }
        return b.ref();
    }
}
