package org.sparkmec.spark;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * step commits it on its worker's thread and wakes the others). Thread-safe.
 */
public final class DriverAsk {
    /** How often a waiting task checks whether Spark killed it, in milliseconds. */
    static final long KILL_CHECK_MILLIS = 100;
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
        CompletableFuture<Object> reply = MecSparkPlugin.driverActive() ? inThisJvm(message)
                : FutureConverters.asJava(endpoint().ask(message, NO_DEADLINE,
                        ClassTag$.MODULE$.<Object>apply(Object.class))).toCompletableFuture();
        while (true) {
            if (task != null) {
                task.killTaskIfInterrupted();
            }
            try {
                return reply.get(KILL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // Still waiting for the other workers.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the driver's reply to "
                        + message.getClass().getSimpleName(), e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new IllegalStateException(cause.getMessage(), cause);
            }
        }
    }

    /** Hands {@code message} to its deferred handler on this thread (the driver is in this JVM). */
    private static CompletableFuture<Object> inThisJvm(Object message) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        DeferredReply reply = new DeferredReply() {
            @Override
            public void send(Object value) {
                future.complete(value);
            }

            @Override
            public void fail(Throwable cause) {
                future.completeExceptionally(cause);
            }
        };
        try {
            DriverMessageRoutes.routeDeferred(message, reply);
        } catch (RuntimeException e) {
            reply.fail(e);
        }
        return future;
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
