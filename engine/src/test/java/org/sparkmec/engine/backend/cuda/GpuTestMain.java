package org.sparkmec.engine.backend.cuda;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClasspathRoots;

import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the engine's GPU tests where there is no Maven (the GPU machine, see dev/gpu/run): every test
 * of the engine matching a JUnit tag expression (default {@code gpu}), plus the CUDA 12/13 bridge test,
 * printing each failure and a summary; exits non-zero on any failure or if no test ran.
 */
public final class GpuTestMain {
    private GpuTestMain() {
    }

    public static void main(String[] args) throws URISyntaxException {
        String tags = args.length > 0 ? args[0] : "gpu";
        // The engine's test classes, a folder under Maven or a jar on the GPU machine.
        Path testClasses = Path.of(GpuTestMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClasspathRoots(Set.of(testClasses)))
                .filters(TagFilter.includeTags(tags))
                .build();
        LauncherDiscoveryRequest bridge = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(ElfSonamePatchTest.class)).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary gpu = listener.getSummary();
        SummaryGeneratingListener bridgeListener = new SummaryGeneratingListener();
        launcher.execute(bridge, bridgeListener);
        PrintWriter out = new PrintWriter(System.out, true);
        gpu.printFailuresTo(out, 30);
        bridgeListener.getSummary().printFailuresTo(out, 30);
        gpu.printTo(out);
        bridgeListener.getSummary().printTo(out);
        long failed = gpu.getTotalFailureCount() + bridgeListener.getSummary().getTotalFailureCount();
        out.printf("gpu tests: %d passed, %d failed, %d skipped (tags %s); bridge tests: %d passed%n",
                gpu.getTestsSucceededCount(), failed, gpu.getTestsSkippedCount() + gpu.getTestsAbortedCount(), tags,
                bridgeListener.getSummary().getTestsSucceededCount());
        System.exit(failed > 0 || gpu.getTestsSucceededCount() == 0 ? 1 : 0);
    }
}
