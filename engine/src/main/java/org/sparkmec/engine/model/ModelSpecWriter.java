package org.sparkmec.engine.model;

import static org.sparkmec.engine.model.ModelKeys.ALGORITHM;
import static org.sparkmec.engine.model.ModelKeys.BIAS;
import static org.sparkmec.engine.model.ModelKeys.CHANNELS;
import static org.sparkmec.engine.model.ModelKeys.FILTERS;
import static org.sparkmec.engine.model.ModelKeys.HEIGHT;
import static org.sparkmec.engine.model.ModelKeys.EPSILON;
import static org.sparkmec.engine.model.ModelKeys.INIT;
import static org.sparkmec.engine.model.ModelKeys.INPUTS;
import static org.sparkmec.engine.model.ModelKeys.INPUT;
import static org.sparkmec.engine.model.ModelKeys.KERNEL;
import static org.sparkmec.engine.model.ModelKeys.LAYERS;
import static org.sparkmec.engine.model.ModelKeys.LOSS;
import static org.sparkmec.engine.model.ModelKeys.NAME;
import static org.sparkmec.engine.model.ModelKeys.MOMENTUM;
import static org.sparkmec.engine.model.ModelKeys.PADDING;
import static org.sparkmec.engine.model.ModelKeys.RATE;
import static org.sparkmec.engine.model.ModelKeys.STRIDE;
import static org.sparkmec.engine.model.ModelKeys.TYPE;
import static org.sparkmec.engine.model.ModelKeys.UNITS;
import static org.sparkmec.engine.model.ModelKeys.WIDTH;

import com.typesafe.config.ConfigUtil;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.sparkmec.engine.io.AtomicFiles;

/**
 * Writes a {@link ModelSpec} as a model file that {@link ModelFile} reads back equal: every field written out,
 * defaults included (but {@code inputs}, written only where a layer does not read the previous one), one layer per
 * line in list order, each followed by a comment with its output shape per sample.
 */
public final class ModelSpecWriter {
    private ModelSpecWriter() {
    }

    /** The model file text (HOCON, UTF-8 when written). */
    public static String toHocon(ModelSpec spec) {
        StringBuilder out = new StringBuilder();
        out.append("# Model file written by spark-mec (").append(ModelSpecWriter.class.getSimpleName())
                .append("); format: conf/models/README.md.\n")
                .append("# Every field is written out, defaults included; comments give each layer's output shape"
                        + " per sample (NHWC or flat).\n");
        out.append(NAME).append(" = ").append(ConfigUtil.quoteString(spec.name())).append('\n');
        InputSpec in = spec.input();
        out.append(INPUT).append(" { ").append(HEIGHT).append(" = ").append(in.height()).append(", ")
                .append(WIDTH).append(" = ").append(in.width()).append(", ")
                .append(CHANNELS).append(" = ").append(in.channels()).append(" }\n");
        out.append(LOSS).append(" = ").append(spec.loss().configName()).append('\n');
        out.append(LAYERS).append(" = [\n");
        List<ActivationShape> shapes = spec.shapes();
        for (int i = 0; i < spec.layers().size(); i++) {
            out.append("  { ").append(fields(spec.layers().get(i)));
            if (!spec.readsDefault(i)) {
                field(out, INPUTS, names(spec.inputs().get(i)));
            }
            out.append(" }  # ").append(shapes.get(i)).append('\n');
        }
        out.append("]\n");
        out.append("# classes: ").append(spec.classes()).append('\n');
        return out.toString();
    }

    /** Writes {@link #toHocon} to {@code file} atomically (a reader sees the old or the whole new file). */
    public static void write(ModelSpec spec, Path file) throws IOException {
        AtomicFiles.writeString(file, toHocon(spec));
    }

    private static String fields(LayerSpec layer) {
        StringBuilder f = new StringBuilder();
        f.append(TYPE).append(" = ").append(layer.type().configName()).append(", ")
                .append(NAME).append(" = ").append(ConfigUtil.quoteString(layer.name()));
        if (layer instanceof Conv2dSpec c) {
            field(f, FILTERS, Integer.toString(c.filters()));
            field(f, KERNEL, pair(c.kernelH(), c.kernelW()));
            field(f, STRIDE, pair(c.strideH(), c.strideW()));
            field(f, PADDING, c.samePadding() ? ModelKeys.SAME : pair(c.padH(), c.padW()));
            field(f, ALGORITHM, c.algorithm().configName());
            field(f, BIAS, Boolean.toString(c.bias()));
            field(f, INIT, c.init().configName());
        } else if (layer instanceof Pool2dSpec p) {
            field(f, KERNEL, pair(p.kernelH(), p.kernelW()));
            field(f, STRIDE, pair(p.strideH(), p.strideW()));
            field(f, PADDING, p.samePadding() ? ModelKeys.SAME : pair(p.padH(), p.padW()));
        } else if (layer instanceof DenseSpec d) {
            field(f, UNITS, Integer.toString(d.units()));
            field(f, BIAS, Boolean.toString(d.bias()));
            field(f, INIT, d.init().configName());
        } else if (layer instanceof DropoutSpec d) {
            field(f, RATE, Double.toString(d.rate()));
        } else if (layer instanceof BatchNormSpec b) {
            field(f, MOMENTUM, Double.toString(b.momentum()));
            field(f, EPSILON, Double.toString(b.epsilon()));
        }
        return f.toString();
    }

    private static void field(StringBuilder f, String key, String value) {
        f.append(", ").append(key).append(" = ").append(value);
    }

    /** {@code ["a", "b"]}: layer names, quoted. */
    private static String names(List<String> names) {
        return "[" + String.join(", ", names.stream().map(ConfigUtil::quoteString).toList()) + "]";
    }

    /** {@code 5} for 5x5, {@code [5, 3]} otherwise. */
    private static String pair(int h, int w) {
        return h == w ? Integer.toString(h) : "[" + h + ", " + w + "]";
    }
}
