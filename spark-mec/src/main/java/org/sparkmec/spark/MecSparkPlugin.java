package org.sparkmec.spark;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.sparkmec.engine.train.TrainConf;
import org.sparkmec.spark.executor.ExecutorEngines;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark plugin of spark-mec ({@code spark.plugins=org.sparkmec.spark.MecSparkPlugin}).
 *
 * <p>Driver side: validates every {@code spark.mec.*} setting when the SparkContext starts (so a bad value
 * fails the submission, naming the key, the value and what is allowed) and hands every RPC message to the
 * handler registered for its type in {@link DriverMessageRoutes} (the training workers' requests go to the
 * coordinator of their run, the benchmark tasks' progress reports to the listener of theirs); registers the
 * {@link DeferredReplyEndpoint} for requests answered later (a step's gradient part, answered with the new
 * weights). Executor side: keeps the plugin's RPC context for the training and benchmark tasks and closes
 * this JVM's persistent engines at shutdown.
 */
public final class MecSparkPlugin implements SparkPlugin {
    /** The value to put in {@code spark.plugins}. */
    public static final String CLASS_NAME = MecSparkPlugin.class.getName();

    @Override
    public DriverPlugin driverPlugin() {
        return new Driver();
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new Executor();
    }

    /** Whether the driver side of the plugin runs in this JVM. */
    public static boolean driverActive() {
        return Driver.active;
    }

    /** The executor side's RPC context, or throws naming the setting that enables it. */
    public static PluginContext executorContext() {
        PluginContext ctx = Executor.context;
        if (ctx == null) {
            throw new IllegalStateException("the spark-mec executor plugin is not running in this executor: set "
                    + "spark.plugins=" + CLASS_NAME + " when the application starts");
        }
        return ctx;
    }

    static final class Driver implements DriverPlugin {
        private static final Logger LOG = LoggerFactory.getLogger(Driver.class);
        private static volatile boolean active;

        @Override
        public Map<String, String> init(SparkContext sc, PluginContext pluginContext) {
            SparkEngineConf.from(sc.getConf(), TrainConf.keys());
            Map<String, String> train = new HashMap<>();
            for (scala.Tuple2<String, String> kv : sc.getConf().getAll()) {
                train.put(kv._1(), kv._2());
            }
            TrainConf.from(train);
            DeferredReplyEndpoint.register(sc);
            active = true;
            LOG.info("spark-mec driver plugin active; spark.mec.* settings are valid");
            return Map.of();
        }

        @Override
        public Object receive(Object message) {
            return DriverMessageRoutes.route(message);
        }

        @Override
        public void shutdown() {
            active = false;
        }
    }

    static final class Executor implements ExecutorPlugin {
        private static volatile PluginContext context;

        @Override
        public void init(PluginContext ctx, Map<String, String> extraConf) {
            context = ctx;
        }

        @Override
        public void shutdown() {
            context = null;
            ExecutorEngines.closeAll();
        }
    }
}
