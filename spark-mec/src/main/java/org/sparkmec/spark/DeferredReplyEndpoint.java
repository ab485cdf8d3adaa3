package org.sparkmec.spark;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkContext;
import org.apache.spark.rpc.RpcCallContext;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.rpc.ThreadSafeRpcEndpoint;
import scala.PartialFunction;
import scala.PartialFunction$;
import scala.runtime.BoxedUnit;

/**
 * The driver's RPC endpoint for requests whose reply waits for other workers (a training step's gradient
 * part is answered with the new weights once every part is in). Spark's plugin RPC must answer on its own
 * thread at once, so a worker would have to poll; here a handler keeps the request's {@link DeferredReply}
 * and answers when it can, and the asker blocks without spending CPU ({@link DriverAsk}).
 *
 * <p>Registered once per SparkContext under {@link #NAME} in the driver's {@code RpcEnv} by the driver
 * plugin; handlers come from {@link DriverMessageRoutes#registerDeferred}. Messages are handled one at a
 * time on Spark's dispatcher threads; handlers must not block. Uses Spark's {@code org.apache.spark.rpc}
 * classes, which are internal to Spark (stable from 3.0 to 4.2; the plugin API has no deferred reply).
 */
final class DeferredReplyEndpoint implements ThreadSafeRpcEndpoint {
    /** The endpoint's name in the driver's RpcEnv. */
    static final String NAME = "spark-mec-deferred";

    private final RpcEnv rpcEnv;

    private DeferredReplyEndpoint(RpcEnv rpcEnv) {
        this.rpcEnv = rpcEnv;
    }

    /** Registers the endpoint in {@code sc}'s RpcEnv (the driver's); once per SparkContext. */
    static void register(SparkContext sc) {
        RpcEnv env = sc.env().rpcEnv();
        env.setupEndpoint(NAME, new DeferredReplyEndpoint(env));
    }

    @Override
    public RpcEnv rpcEnv() {
        return rpcEnv;
    }

    @Override
    public PartialFunction<Object, BoxedUnit> receiveAndReply(RpcCallContext context) {
        return PartialFunction$.MODULE$.fromFunction(message -> {
            DeferredReply reply = new ContextReply(context);
            try {
                DriverMessageRoutes.routeDeferred(message, reply);
            } catch (RuntimeException e) {
                reply.fail(e);
            }
            return BoxedUnit.UNIT;
        });
    }

    /** A deferred reply over Spark's call context: the first answer wins. */
    private static final class ContextReply implements DeferredReply {
        private final RpcCallContext context;
        private final AtomicBoolean answered = new AtomicBoolean();

        ContextReply(RpcCallContext context) {
            this.context = context;
        }

        @Override
        public void send(Object value) {
            if (answered.compareAndSet(false, true)) {
                context.reply(value);
            }
        }

        @Override
        public void fail(Throwable cause) {
            if (answered.compareAndSet(false, true)) {
                context.sendFailure(cause);
            }
        }
    }
}
