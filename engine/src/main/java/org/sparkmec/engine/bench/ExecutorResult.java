package org.sparkmec.engine.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One process's share of a layer benchmark: who ran it, on what, and what it measured.
 *
 * @param executor    who ran it: a Spark executor id ({@code driver} in Spark's local mode), or
 *                    {@code in-process} without Spark
 * @param host        the host it ran on, as Spark reports it
 * @param environment ordered key/value pairs ({@link EnvironmentReport#describe} and the run's own keys)
 * @param rows        the rows in the order measured (the sgemm ceiling first, when measured)
 */
public record ExecutorResult(String executor, String host, Map<String, String> environment, List<BenchmarkRow> rows) {

    public ExecutorResult {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(host, "host");
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        rows = List.copyOf(rows);
    }
}
