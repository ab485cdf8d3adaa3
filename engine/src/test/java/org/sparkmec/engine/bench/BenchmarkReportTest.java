package org.sparkmec.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The report of two executors' results: one CSV row per executor and measurement, medians over executors,
 * and the summary's MEC / im2col ratios with their range.
 */
class BenchmarkReportTest {

    /** Rows of one executor: on q1, mec takes {@code mecMs} and im2col 10 ms per pass; direct only forward. */
    private static ExecutorResult executor(String id, double mecMs) {
        List<BenchmarkRow> rows = new ArrayList<>();
        rows.add(new BenchmarkRow("sgemm-2048", "cpu", "sgemm", "forward", 1, 50, 300, 0, "-"));
        for (String pass : List.of("forward", "backward")) {
            rows.add(new BenchmarkRow("q1", "cpu", "mec", pass, 2, mecMs, 1, 400, "A"));
            rows.add(new BenchmarkRow("q1", "cpu", "im2col", pass, 2, 10, 1, 1000, "-"));
        }
        rows.add(new BenchmarkRow("q1", "cpu", "direct", "forward", 2, 40, 1, 0, "-"));
        return new ExecutorResult(id, "10.0.0." + id, Map.of("jvm", "OpenJDK 17"), rows);
    }

    private final BenchmarkReport report = new BenchmarkReport(Map.of("master", "spark://m:7077"),
            List.of(executor("10", 6), executor("2", 4), executor("3", 5)));

    @Test
    void theCsvHasARowPerExecutorAndMeasurementOrderedByExecutor() {
        List<String> lines = report.layersCsv().lines().toList();
        assertEquals(BenchmarkReport.CSV_HEADER, lines.get(0));
        assertEquals(1 + 3 * 6, lines.size());
        assertTrue(lines.get(1).startsWith("2,10.0.0.2,sgemm-2048,"), lines.get(1));
        assertTrue(lines.get(lines.size() - 1).startsWith("10,10.0.0.10,q1,cpu,direct,forward,2,40.0000,"),
                lines.get(lines.size() - 1));
        assertEquals(BenchmarkReport.CSV_HEADER.split(",").length, lines.get(2).split(",").length);
    }

    @Test
    void mediansAreOverExecutorsAndLeaveOutTheCeiling() {
        List<BenchmarkSummary.Median> medians = report.medians();
        assertEquals(List.of("mec/forward", "im2col/forward", "mec/backward", "im2col/backward", "direct/forward"),
                medians.stream().map(m -> m.algorithm() + "/" + m.pass()).toList());
        assertEquals(new BenchmarkSummary.Median("q1", "mec", "forward", 5, 400), medians.get(0));
    }

    @Test
    void theSummaryGivesTheMedianRatioAndItsRange() {
        String md = report.summary();
        assertTrue(md.contains("- master: spark://m:7077"), md);
        assertTrue(md.contains("| q1 | A | 0.50 | 0.40-0.60 | 0.50 | 0.40-0.60 | 0.40 |"), md);
        assertTrue(md.contains("forward on 1 of 1 layers, backward on 1 of 1 layers"), md);
        assertTrue(md.contains("| q1 | 5.000 | 10.000 | 40.000 | 5.000 | 10.000 |"), md);
        assertTrue(md.contains("| 2 | 10.0.0.2 | sgemm-2048 | 300.0 |"), md);
        String env = report.environment();
        assertTrue(env.startsWith("# run\nmaster: spark://m:7077\n\n# executor 2 on 10.0.0.2\njvm: OpenJDK 17\n"), env);
    }

    @Test
    void aProgressLineGivesEachMecVariantsRatios() {
        ExecutorResult e = executor("1", 5);
        assertEquals("mec/im2col forward 0.50, backward 0.50 (solution A)",
                BenchmarkSummary.progressLine(e.rows().subList(1, e.rows().size())));
    }
}
