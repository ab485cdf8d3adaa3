package org.sparkmec.spark.train;

/**
 * The split of a flat parameter vector ({@code ParameterVector} order) into one contiguous slice per worker
 * for the sliced aggregation: slice {@code j} of {@code count} floats over {@code workers} is
 * {@code [j * count / workers, (j + 1) * count / workers)} (long arithmetic; slices differ by at most one
 * float). Worker {@code j} owns slice {@code j}.
 */
record SliceRanges(int count, int workers) {
    SliceRanges {
        if (count < 0 || workers < 1) {
            throw new IllegalArgumentException("cannot slice " + count + " floats over " + workers + " workers");
        }
    }

    /** First float of slice {@code j}. */
    int from(int j) {
        return (int) ((long) j * count / workers);
    }

    /** One past the last float of slice {@code j}. */
    int to(int j) {
        return from(j + 1);
    }

    int length(int j) {
        return to(j) - from(j);
    }
}
