package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * conf/log4j2.properties parses with Log4j's own properties factory and sets what it promises: the project at
 * INFO, everything else at WARN, Spark's start-up noise dropped (and only that), on stderr without traces;
 * traces and Spark's task failures in the log file; the jobs jar holds the same file.
 */
class LoggingConfigTest {
    private static final Path FILE = Path.of("..", "conf", "log4j2.properties");

    private LoggerContext context;
    private Configuration config;

    @BeforeEach
    void parse() throws IOException {
        context = new LoggerContext("LoggingConfigTest");
        try (InputStream in = Files.newInputStream(FILE)) {
            config = new PropertiesConfigurationFactory().getConfiguration(context, new ConfigurationSource(in, FILE.toFile()));
        }
        config.initialize();
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void projectAtInfoEverythingElseAtWarn() {
        assertEquals(Level.WARN, config.getRootLogger().getLevel());
        for (String logger : new String[] {"org.sparkmec.spark.train.TrainingCoordinator", "org.sparkmec.engine.runtime.Backends",
                "org.sparkmec.jobs.TrainCommand"}) {
            assertEquals(Level.INFO, config.getLoggerConfig(logger).getLevel(), logger);
        }
        for (String logger : new String[] {"org.apache.spark.SparkContext", "org.apache.spark.scheduler.DAGScheduler",
                "org.apache.spark.executor.Executor", "org.apache.spark.storage.BlockManager"}) {
            assertEquals(Level.WARN, config.getLoggerConfig(logger).getLevel(), logger);
        }
        assertEquals(Level.ERROR, config.getLoggerConfig("org.apache.hadoop.util.NativeCodeLoader").getLevel());
    }

    @Test
    void dropsOnlySparksLoopbackHostnameWarnings() {
        String utils = "org.apache.spark.util.Utils";
        LoggerConfig logger = config.getLoggerConfig(utils);
        assertEquals(utils, logger.getName(), "Utils has its own logger config (for the filter)");
        assertTrue(logger.isFiltered(warning(utils, "Your hostname, vm, resolves to a loopback address: 127.0.0.1; "
                + "using 192.0.2.2 instead (on interface eth0)")));
        assertTrue(logger.isFiltered(warning(utils, "Set SPARK_LOCAL_IP if you need to bind to another address")));
        assertFalse(logger.isFiltered(warning(utils, "Service 'SparkUI' could not bind on port 4040. Attempting port 4041.")));
        assertEquals(Level.WARN, logger.getLevel());
    }

    @Test
    void writesOneCompactLineToStderr() {
        ConsoleAppender console = config.getAppender("console");
        assertNotNull(console, "appender 'console'");
        assertEquals(ConsoleAppender.Target.SYSTEM_ERR, console.getTarget());
        assertEquals("%d{HH:mm:ss.SSS} %-5p %c{1}: %m%n", console.getLayout().getContentFormat().get("format"));
    }

    @Test
    void tracesAndTaskFailuresGoToTheLogFileOnly() {
        Log4jLogEvent failure = Log4jLogEvent.newBuilder().setLoggerName("org.sparkmec.Test").setLevel(Level.ERROR)
                .setMessage(new SimpleMessage("it failed")).setThrown(new IllegalStateException("the cause")).build();
        ConsoleAppender console = config.getAppender("console");
        assertEquals("it failed", console.getLayout().toSerializable(failure).toString().strip().replaceAll(".*: ", ""),
                "one line, no stack trace on the console");
        FileAppender file = config.getAppender("file");
        assertNotNull(file, "appender 'file'");
        assertEquals(Path.of(System.getProperty("java.io.tmpdir"), "spark-mec.log").toString(), file.getFileName(),
                "without mec.logFile");
        assertTrue(config.getRootLogger().getAppenders().containsKey("file"));
        // SparkContext's "Error initializing SparkContext" (a setting Spark rejects) and the metrics system's warning
        // after it: ./mec reports the cause in one line.
        for (String logger : new String[] {"org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager",
            org.sparkmec.spark.SparkFailures.TRACE_LOGGER, "org.apache.spark.SparkContext",
            "org.apache.spark.metrics.MetricsSystem"}) {
            LoggerConfig c = config.getLoggerConfig(logger);
            assertEquals(logger, c.getName());
            assertFalse(c.isAdditive(), logger);
            assertEquals(java.util.Set.of("file"), c.getAppenders().keySet(), logger);
        }
    }

    @Test
    void theJobsJarHoldsTheSameFile() throws IOException {
        try (InputStream resource = LoggingConfigTest.class.getResourceAsStream("/log4j2.properties")) {
            assertNotNull(resource, "log4j2.properties is not on the jobs class path");
            assertArrayEquals(Files.readAllBytes(FILE), resource.readAllBytes(),
                    "the jobs resource differs from " + FILE + " (jobs/pom.xml copies it)");
        }
    }

    private static Log4jLogEvent warning(String logger, String message) {
        return Log4jLogEvent.newBuilder().setLoggerName(logger).setLevel(Level.WARN).setMessage(new SimpleMessage(message))
                .build();
    }
}
