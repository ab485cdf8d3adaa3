package org.sparkmec.spark.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A real Spark standalone cluster for integration tests, started from this test JVM's own classpath: no
 * Spark distribution is needed.
 *
 * <p>Contract:
 * <ul>
 *   <li><b>Processes.</b> {@link #start} launches one {@code org.apache.spark.deploy.master.Master} and
 *       {@code workers} {@code org.apache.spark.deploy.worker.Worker} JVMs ({@code -Xmx512m}, C1 only, Spark's
 *       {@code --add-opens} list) as children of this JVM. Executors ({@value #EXECUTOR_BACKEND_CLASS}) are
 *       children of the workers, started by Spark when a driver connects with {@link #sparkConf()}.</li>
 *   <li><b>Classpath.</b> Master, workers and executors all run on this JVM's test classpath (Surefire's
 *       {@code surefire.test.class.path}, else {@code java.class.path}), passed to executors through the
 *       workers' {@code SPARK_DIST_CLASSPATH}: executors load this module's main and test classes and every
 *       dependency jar, so lambdas defined in a test deserialize on executors.</li>
 *   <li><b>Network.</b> Every process binds to 127.0.0.1 only ({@code --host}, {@code SPARK_LOCAL_IP});
 *       {@link #sparkConf()} keeps the driver on 127.0.0.1 and turns its web UI off (it would bind all
 *       interfaces). The master's two ports are chosen free at start; should another process take one
 *       before the master binds it, the master exits (no silent move to the next port) and start fails.
 *       Workers and executors bind ephemeral ports.</li>
 *   <li><b>Readiness.</b> {@link #start} starts the workers once the master's {@code /json/} status reads
 *       ALIVE and returns once it reports {@code workers} alive workers. After
 *       {@value #READY_TIMEOUT_SECONDS} s, or as soon as a daemon exits, it throws
 *       {@link IllegalStateException} with the last {@value #LOG_TAIL_LINES} lines of each log, having
 *       destroyed everything it started.</li>
 *   <li><b>Logs.</b> Under {@link #logDir()} ({@code target/cluster-logs/<timestamp>/} of the module):
 *       {@code master.log} and {@code worker-<i>.log} (stdout and stderr of each daemon), and each worker's
 *       work dir {@code worker-<i>-work/<app-id>/<executor-id>/} with the executors' {@code stdout} and
 *       {@code stderr}. Logs are kept after {@link #close()}.</li>
 *   <li><b>Ownership.</b> The caller closes the cluster, after stopping its SparkSession.
 *       {@link #close()} is idempotent and may be called from any thread: it terminates executors, then
 *       workers, then the master (SIGTERM, then SIGKILL after {@value #STOP_GRACE_SECONDS} s), each with
 *       its descendants, waits for them to exit and deletes the temporary {@code SPARK_HOME}. A JVM
 *       shutdown hook kills the same processes if the JVM exits without {@code close()}; close removes it.
 *       After close, every method except {@link #logDir()} and {@link #daemonPids()} throws
 *       {@link IllegalStateException}.</li>
 * </ul>
 */
public final class StandaloneCluster implements AutoCloseable {

    /** Main class of the executor JVMs that standalone workers launch (Spark's StandaloneSchedulerBackend). */
    public static final String EXECUTOR_BACKEND_CLASS = "org.apache.spark.executor.CoarseGrainedExecutorBackend";
    /** Smallest worker memory accepted: the executor gets all of it, and Spark refuses executors under ~450 MB. */
    public static final int MIN_MEMORY_MB_PER_WORKER = 512;

    private static final String LOOPBACK = "127.0.0.1";
    /**
     * Master and workers only coordinate: C1 only and the serial collector start them in ~3.9 s instead of
     * ~6.3 s on 2 cores (measured here). Executors, which compute, keep the JVM's defaults.
     */
    private static final List<String> DAEMON_JVM_OPTIONS = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC");
    private static final String SCALA_BINARY_VERSION = "2.13";
    private static final int READY_TIMEOUT_SECONDS = 90;
    private static final int LOG_TAIL_LINES = 40;
    private static final int STOP_GRACE_SECONDS = 10;
    private static final int EXIT_WAIT_SECONDS = 30;
    private static final long POLL_INTERVAL_MS = 250;
    /** The master's JSON status (org.apache.spark.deploy.JsonProtocol.writeMasterState) counts ALIVE workers here. */
    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
    private static final Predicate<String> MASTER_ALIVE =
            Pattern.compile("\"status\"\\s*:\\s*\"ALIVE\"").asPredicate();
    private static final DateTimeFormatter LOG_DIR_NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");

    private final int workerCount;
    private final int coresPerWorker;
    private final int memoryMbPerWorker;
    private final Map<String, String> workerConf;
    private final Path logDir;
    private final Path sparkHome;
    private final String masterUrl;
    private final int masterWebUiPort;
    private final int masterPort;
    /** Master first, then workers 1..N; filled while starting. */
    private final List<Daemon> daemons = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;

    private record Daemon(String name, Process process, Path log) {
    }

    private StandaloneCluster(int workerCount, int coresPerWorker, int memoryMbPerWorker,
            Map<String, String> workerConf) throws IOException {
        this.workerCount = workerCount;
        this.coresPerWorker = coresPerWorker;
        this.memoryMbPerWorker = memoryMbPerWorker;
        this.workerConf = Map.copyOf(workerConf);
        int[] ports = freeLoopbackPorts(2);
        this.masterPort = ports[0];
        this.masterWebUiPort = ports[1];
        this.logDir = createLogDir();
        this.sparkHome = Files.createTempDirectory("spark-home-");
        this.masterUrl = "spark://" + LOOPBACK + ":" + masterPort;
        this.shutdownHook = new Thread(() -> stopAll(Duration.ZERO), "standalone-cluster-shutdown");
    }

    /**
     * Starts a master and {@code workers} workers on 127.0.0.1 and waits until all workers are registered.
     *
     * @param workers number of worker JVMs, at least 1
     * @param coresPerWorker cores each worker offers ({@code --cores}), at least 1
     * @param memoryMbPerWorker memory each worker offers in MiB ({@code --memory}), at least
     *     {@value #MIN_MEMORY_MB_PER_WORKER}; {@link #sparkConf()} gives each executor all of it
     * @throws IllegalArgumentException for a size below its minimum
     * @throws IllegalStateException when the cluster is not ready within {@value #READY_TIMEOUT_SECONDS} s or a
     *     daemon exits while starting; the message holds the tail of each log
     */
    public static StandaloneCluster start(int workers, int coresPerWorker, int memoryMbPerWorker) {
        return start(workers, coresPerWorker, memoryMbPerWorker, Map.of());
    }

    /**
     * As {@link #start(int, int, int)}, with Spark settings for every worker JVM (passed as {@code -Dkey=value}),
     * e.g. {@code spark.worker.resource.gpu.amount} and {@code spark.worker.resource.gpu.discoveryScript}: a
     * worker then offers the resources its discovery script reports, and the master assigns them to executors.
     *
     * @param workerConf {@code spark.*} settings of the workers
     * @throws IllegalArgumentException also for a key that does not start with {@code spark.}
     */
    public static StandaloneCluster start(int workers, int coresPerWorker, int memoryMbPerWorker,
            Map<String, String> workerConf) {
        workerConf.keySet().stream().filter(k -> !k.startsWith("spark.")).findFirst().ifPresent(k -> {
            throw new IllegalArgumentException("worker setting " + k + " is not a spark.* key: workers read only "
                    + "spark.* system properties into their SparkConf");
        });
        if (workers < 1 || coresPerWorker < 1 || memoryMbPerWorker < MIN_MEMORY_MB_PER_WORKER) {
            throw new IllegalArgumentException("cluster size " + workers + " workers x " + coresPerWorker + " cores x "
                    + memoryMbPerWorker + " MiB: need workers >= 1, cores >= 1, memory >= " + MIN_MEMORY_MB_PER_WORKER
                    + " MiB");
        }
        String classpath = testClasspath();
        StandaloneCluster cluster;
        try {
            cluster = new StandaloneCluster(workers, coresPerWorker, memoryMbPerWorker, workerConf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster's directories", e);
        }
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.launch(classpath);
            return cluster;
        } catch (IOException e) {
            cluster.close();
            throw new UncheckedIOException("cannot start the standalone cluster; logs in " + cluster.logDir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cluster.close();
            throw new IllegalStateException("interrupted while starting the standalone cluster", e);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** The master's URL, {@code spark://127.0.0.1:<port>}. */
    public String masterUrl() {
        ensureOpen();
        return masterUrl;
    }

    /** The folder holding this cluster's daemon logs and worker work dirs; valid after close. */
    public Path logDir() {
        return logDir;
    }

    /** Pids of the master and the workers, in that order; valid after close (to check they have exited). */
    public List<Long> daemonPids() {
        synchronized (daemons) {
            return daemons.stream().map(d -> d.process().pid()).collect(Collectors.toUnmodifiableList());
        }
    }

    /** Pids of the live executor JVMs: the workers' descendants running {@value #EXECUTOR_BACKEND_CLASS}, ascending. */
    public List<Long> executorPids() {
        ensureOpen();
        return executors().map(ProcessHandle::pid).sorted().collect(Collectors.toUnmodifiableList());
    }

    /**
     * Kills one executor JVM with SIGKILL, as a crash would, and waits until it has exited. Its worker then
     * reports the loss and the master may start a replacement executor.
     *
     * @param pid one of {@link #executorPids()}
     * @throws IllegalArgumentException when {@code pid} is not a live executor of this cluster
     * @throws IllegalStateException when it is still alive {@value #EXIT_WAIT_SECONDS} s after the signal
     */
    public void killExecutor(long pid) {
        ensureOpen();
        ProcessHandle executor = executors().filter(h -> h.pid() == pid).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "pid " + pid + " is not a live executor of this cluster; live executors: " + executorPids()));
        executor.destroyForcibly();
        if (!awaitExit(List.of(executor), Duration.ofSeconds(EXIT_WAIT_SECONDS))) {
            throw new IllegalStateException(
                    "executor " + pid + " still alive " + EXIT_WAIT_SECONDS + " s after SIGKILL");
        }
    }

    /**
     * What a driver in this JVM sets to run on the cluster (client mode): master, loopback driver address, one
     * executor per worker with all its cores and memory, {@code spark.cores.max} for the whole cluster and
     * {@code spark.scheduler.minRegisteredResourcesRatio=1.0}, so that creating the SparkContext waits (up to
     * 60 s) until every executor has registered, and the driver's web UI off.
     */
    public Map<String, String> sparkConf() {
        ensureOpen();
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.master", masterUrl);
        conf.put("spark.driver.host", LOOPBACK);
        conf.put("spark.driver.bindAddress", LOOPBACK);
        conf.put("spark.executor.cores", Integer.toString(coresPerWorker));
        conf.put("spark.executor.memory", memoryMbPerWorker + "m");
        conf.put("spark.cores.max", Integer.toString(workerCount * coresPerWorker));
        conf.put("spark.scheduler.minRegisteredResourcesRatio", "1.0");
        conf.put("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s");
        conf.put("spark.ui.enabled", "false");
        return Collections.unmodifiableMap(conf);
    }

    /** Stops executors, workers and the master, waits for them to exit and deletes the temporary SPARK_HOME. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // The JVM is exiting: the hook runs stopAll itself.
        }
        stopAll(Duration.ofSeconds(STOP_GRACE_SECONDS));
    }

    /**
     * Starts the master, waits until it is ALIVE, then starts the workers and waits until all are registered.
     * Workers are not started together with the master: a worker that registers while the master is still
     * STANDBY (its RPC endpoint answers before it elects itself leader) gets MasterInStandby, which it ignores,
     * and registers again only 5 to 15 s later (measured here: ready after 20 s instead of 6).
     */
    private void launch(String classpath) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        Map<String, String> env = sparkEnvironment(classpath);
        // The REST submission server would listen on the fixed port 6066, and nothing here uses it. No port
        // retries: a master that moved to port+1 would leave workers and the readiness poll at the wrong port.
        startDaemon("master", env, List.of("-Dspark.master.rest.enabled=false", "-Dspark.port.maxRetries=0"),
                "org.apache.spark.deploy.master.Master",
                "--host", LOOPBACK, "--port", Integer.toString(masterPort),
                "--webui-port", Integer.toString(masterWebUiPort));
        awaitMasterStatus(MASTER_ALIVE, "status ALIVE", deadline);
        for (int i = 1; i <= workerCount; i++) {
            Path workDir = Files.createDirectories(logDir.resolve("worker-" + i + "-work"));
            Map<String, String> workerEnv = new LinkedHashMap<>(env);
            workerEnv.put("SPARK_WORKER_DIR", workDir.toString());
            List<String> workerOptions = workerConf.entrySet().stream()
                    .map(e -> "-D" + e.getKey() + "=" + e.getValue()).collect(Collectors.toList());
            startDaemon("worker-" + i, workerEnv, workerOptions, "org.apache.spark.deploy.worker.Worker",
                    "--host", LOOPBACK, "--cores", Integer.toString(coresPerWorker),
                    "--memory", memoryMbPerWorker + "m", "--webui-port", "0", masterUrl);
        }
        awaitMasterStatus(json -> {
            Matcher alive = ALIVE_WORKERS.matcher(json);
            return alive.find() && Integer.parseInt(alive.group(1)) >= workerCount;
        }, workerCount + " alive workers", deadline);
    }

    /**
     * The daemons' (and through the workers, the executors') environment. SPARK_HOME must hold a RELEASE file
     * and a jars/ folder (empty here) and SPARK_SCALA_VERSION must be set, else Spark's launcher looks for a
     * source build ("Cannot find any build directories"); executors get their classpath from
     * SPARK_DIST_CLASSPATH. JAVA_HOME is pinned so executors run on this JVM's Java.
     */
    private Map<String, String> sparkEnvironment(String classpath) throws IOException {
        Files.writeString(sparkHome.resolve("RELEASE"),
                "Spark for the StandaloneCluster test harness: jars come from SPARK_DIST_CLASSPATH\n");
        Files.createDirectories(sparkHome.resolve("jars"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", SCALA_BINARY_VERSION);
        env.put("SPARK_LOCAL_IP", LOOPBACK);
        env.put("SPARK_DIST_CLASSPATH", classpath);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return env;
    }

    private void startDaemon(String name, Map<String, String> env, List<String> jvmOptions, String mainClass,
            String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(DAEMON_JVM_OPTIONS);
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(env.get("SPARK_DIST_CLASSPATH"));
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(logDir.toFile()).redirectErrorStream(true);
        Path log = logDir.resolve(name + ".log");
        builder.redirectOutput(log.toFile());
        // Hermetic: no Spark or Hadoop settings of the user's shell leak into the cluster.
        builder.environment().keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("PYSPARK_")
                || k.equals("HADOOP_CONF_DIR") || k.equals("YARN_CONF_DIR"));
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        daemons.add(new Daemon(name, process, log));
    }

    /**
     * Polls the master's JSON status until {@code ready} accepts it; fails fast when a daemon exits, and at
     * {@code deadline} (System.nanoTime).
     */
    private void awaitMasterStatus(Predicate<String> ready, String expectation, long deadline)
            throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(Duration.ofSeconds(2)).build();
        URI status = URI.create("http://" + LOOPBACK + ":" + masterWebUiPort + "/json/");
        HttpRequest request = HttpRequest.newBuilder(status).timeout(Duration.ofSeconds(5)).GET().build();
        String lastAnswer = "no answer yet";
        while (System.nanoTime() < deadline) {
            for (Daemon daemon : daemons) {
                if (!daemon.process().isAlive()) {
                    throw startFailure(daemon.name() + " exited with code " + daemon.process().exitValue()
                            + " while the cluster was starting");
                }
            }
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && ready.test(response.body())) {
                    return;
                }
                lastAnswer = "HTTP " + response.statusCode() + ": " + response.body();
            } catch (IOException e) {
                lastAnswer = e.toString();
            }
            Thread.sleep(POLL_INTERVAL_MS);
        }
        throw startFailure("not ready after " + READY_TIMEOUT_SECONDS + " s: expected " + expectation + " at "
                + request.uri() + ", last answer: " + lastAnswer);
    }

    /** Stops what was started, then reads the logs, so that they are complete. */
    private IllegalStateException startFailure(String reason) {
        close();
        StringBuilder message = new StringBuilder("standalone cluster failed to start: ").append(reason)
                .append("\nlogs in ").append(logDir);
        for (Daemon daemon : daemons) {
            message.append("\n--- last ").append(LOG_TAIL_LINES).append(" lines of ").append(daemon.log()).append('\n');
            message.append(tail(daemon.log(), LOG_TAIL_LINES));
        }
        return new IllegalStateException(message.toString());
    }

    private Stream<ProcessHandle> executors() {
        List<Daemon> snapshot;
        synchronized (daemons) {
            snapshot = List.copyOf(daemons.subList(Math.min(1, daemons.size()), daemons.size()));
        }
        return snapshot.stream().flatMap(w -> w.process().descendants())
                .filter(ProcessHandle::isAlive)
                .filter(h -> commandLine(h).contains(EXECUTOR_BACKEND_CLASS));
    }

    /**
     * Terminates executors, then workers, then the master, each group with its remaining descendants: SIGTERM,
     * SIGKILL after {@code grace}, then waits for the exit. Deletes SPARK_HOME. Safe to run twice.
     */
    private void stopAll(Duration grace) {
        List<Daemon> snapshot;
        synchronized (daemons) {
            snapshot = List.copyOf(daemons);
        }
        List<ProcessHandle> master = snapshot.stream().limit(1).map(d -> d.process().toHandle())
                .collect(Collectors.toList());
        List<ProcessHandle> workers = snapshot.stream().skip(1).map(d -> d.process().toHandle())
                .collect(Collectors.toList());
        stop(workers.stream().flatMap(ProcessHandle::descendants).collect(Collectors.toList()), grace);
        stop(withDescendants(workers), grace);
        stop(withDescendants(master), grace);
        deleteRecursively(sparkHome);
    }

    private static List<ProcessHandle> withDescendants(List<ProcessHandle> roots) {
        List<ProcessHandle> all = new ArrayList<>(roots);
        roots.forEach(r -> r.descendants().forEach(all::add));
        return all;
    }

    private static void stop(List<ProcessHandle> processes, Duration grace) {
        if (grace.isZero()) {
            processes.forEach(ProcessHandle::destroyForcibly);
        } else {
            processes.forEach(ProcessHandle::destroy);
            if (awaitExit(processes, grace)) {
                return;
            }
            processes.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
        awaitExit(processes, Duration.ofSeconds(EXIT_WAIT_SECONDS));
    }

    /** True when every process exited within {@code timeout}. */
    private static boolean awaitExit(List<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle process : processes) {
            try {
                process.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                throw new IllegalStateException("waiting for pid " + process.pid() + " to exit", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return processes.stream().noneMatch(ProcessHandle::isAlive);
            }
        }
        return true;
    }

    /**
     * The full command line. On Linux it is read from {@code /proc/<pid>/cmdline}: JDK 17's
     * {@code ProcessHandle.Info.commandLine()} cuts it at 4096 characters (and {@code arguments()} is then
     * empty), which hides the main class behind a long {@code -cp}. Elsewhere ProcessHandle.Info is used.
     */
    private static String commandLine(ProcessHandle process) {
        Path procCmdline = Path.of("/proc", Long.toString(process.pid()), "cmdline");
        try {
            if (Files.isReadable(procCmdline)) {
                return new String(Files.readAllBytes(procCmdline), StandardCharsets.UTF_8).replace('\0', ' ');
            }
        } catch (IOException processGone) {
            return "";
        }
        return process.info().commandLine().orElse("");
    }

    /**
     * This JVM's test classpath. Surefire runs tests through a manifest-only booter jar by default, so
     * {@code java.class.path} is that one jar; Surefire puts the real test classpath in
     * {@code surefire.test.class.path}.
     */
    private static String testClasspath() {
        String classpath = System.getProperty("surefire.test.class.path");
        if (classpath == null || classpath.isBlank()) {
            classpath = System.getProperty("java.class.path");
        }
        String sparkCore = codeSource(SparkContext.class);
        boolean hasSpark = Arrays.stream(classpath.split(File.pathSeparator))
                .anyMatch(entry -> Path.of(entry).toAbsolutePath().normalize().toString().equals(sparkCore));
        if (!hasSpark) {
            throw new IllegalStateException("the test classpath lacks spark-core (" + sparkCore
                    + "), so the cluster could not run on it; found: " + classpath);
        }
        return classpath;
    }

    private static String codeSource(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath()
                    .normalize().toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate the jar of " + type.getName(), e);
        }
    }

    private static int[] freeLoopbackPorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    private static Path createLogDir() throws IOException {
        Path root = Path.of(System.getProperty("basedir", "."), "target", "cluster-logs").toAbsolutePath().normalize();
        Files.createDirectories(root);
        String stamp = LocalDateTime.now().format(LOG_DIR_NAME);
        for (int attempt = 0; ; attempt++) {
            Path dir = root.resolve(attempt == 0 ? stamp : stamp + "-" + attempt);
            try {
                return Files.createDirectory(dir);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // Another cluster started in the same millisecond: take the next name.
            }
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines()
                    .collect(Collectors.toList());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the temporary SPARK_HOME " + root, e);
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("standalone cluster " + masterUrl + " is closed");
        }
    }
}
