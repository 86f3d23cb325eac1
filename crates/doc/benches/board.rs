//! The board benchmark: 10,000 strokes of 100 points (1M points) streamed in
//! 2-point batches, one transaction per batch, each stroke merged when it ends.
//!
//! Reports build time, snapshot bytes and bytes per point, snapshot load time,
//! and diff time against an empty and a half state vector; then runs the same
//! workload through Yjs under node (`tests/crosslang/bench-yjs.mjs`) and prints
//! yrs/Yjs ratios, so the comparison is made on the same machine in the same run.
//!
//!     cargo bench -p inkmesh-doc --bench board
//!
//! `INKMESH_BENCH_STROKES=1000` runs a smaller board for a quick look.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use inkmesh_doc::{Board, BoardOptions, Encoding, Point, Style};

const POINTS_PER_STROKE: usize = 100;
const POINTS_PER_BATCH: usize = 2;

fn stroke_count() -> usize {
    std::env::var("INKMESH_BENCH_STROKES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

/// Stroke `i`'s points in 1/16 px: a random walk from (0, 0) with steps of up to
/// 2 px, from xorshift32 seeded with `i + 1` (the same walk as the Yjs script).
fn walk(i: usize) -> Vec<(i32, i32)> {
    let mut s = i as u32 + 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    };
    let mut points = vec![(0, 0)];
    for _ in 1..POINTS_PER_STROKE {
        let (x, y) = points[points.len() - 1];
        let dx = (next() % 65) as i32 - 32;
        let dy = (next() % 65) as i32 - 32;
        points.push((x + dx, y + dy));
    }
    points
}

/// Builds the board; returns it with the state vector taken halfway.
fn build(walks: &[Vec<(i32, i32)>]) -> (Board, Vec<u8>) {
    let mut board = Board::with_options(BoardOptions {
        client_id: Some(1),
        now_ms: || 1_700_000_000_000,
        ..BoardOptions::new("u-bench")
    });
    let style = Style::default();
    let mut half = Vec::new();
    for (i, walk) in walks.iter().enumerate() {
        let (ox, oy) = ((i % 100) as f64 * 50.0, (i / 100) as f64 * 50.0);
        let id = board.begin_stroke(ox, oy, &style).unwrap();
        for batch in walk.chunks(POINTS_PER_BATCH) {
            let points: Vec<Point> = batch
                .iter()
                .map(|&(x, y)| Point::new(ox + f64::from(x) / 16.0, oy + f64::from(y) / 16.0))
                .collect();
            board.append_points(&id, &points).unwrap();
        }
        board.end_stroke(&id).unwrap();
        if i + 1 == walks.len() / 2 {
            half = board.state_vector();
        }
    }
    (board, half)
}

/// Runs `f` under criterion and returns the median time of one call.
fn measure<T>(c: &mut Criterion, name: &str, samples: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times = Vec::new();
    let mut group = c.benchmark_group("board");
    group.sample_size(samples.max(10));
    group.warm_up_time(Duration::from_millis(500));
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(f());
            }
            let elapsed = start.elapsed();
            times.push(elapsed / iters as u32);
            elapsed
        })
    });
    group.finish();
    times.sort();
    times[times.len() / 2]
}

#[derive(Debug, Default)]
struct Figures {
    build_ms: f64,
    snapshot_bytes: f64,
    bytes_per_point: f64,
    load_ms: f64,
    diff_empty_ms: f64,
    diff_half_ms: f64,
}

fn run_yjs(strokes: usize) -> Option<Figures> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new("node")
        .arg(root.join("tests/crosslang/bench-yjs.mjs"))
        .args([
            "--strokes",
            &strokes.to_string(),
            "--runs",
            "10",
            "--build-runs",
            "3",
        ])
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!("Yjs bench failed: {}", String::from_utf8_lossy(&o.stderr));
            return None;
        }
        Err(e) => {
            eprintln!("cannot run node for the Yjs comparison: {e}");
            return None;
        }
    };
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let get = |k: &str| json[k].as_f64().unwrap_or(f64::NAN);
    Some(Figures {
        build_ms: get("build_ms"),
        snapshot_bytes: get("snapshot_bytes"),
        bytes_per_point: get("bytes_per_point"),
        load_ms: get("load_ms"),
        diff_empty_ms: get("diff_empty_ms"),
        diff_half_ms: get("diff_half_ms"),
    })
}

fn board_benchmark(c: &mut Criterion) {
    let strokes = stroke_count();
    let points = (strokes * POINTS_PER_STROKE) as f64;
    let walks: Vec<_> = (0..strokes).map(walk).collect();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;

    let build_time = measure(c, "build", 10, || build(&walks).0);
    let (board, half) = build(&walks);
    let snapshot = board.snapshot();
    let empty = Board::new("u-empty").state_vector();
    let load_time = measure(c, "load_snapshot", 20, || {
        Board::from_snapshot(&snapshot, BoardOptions::new("u-load")).unwrap()
    });
    let diff_empty = measure(c, "diff_empty_sv", 20, || {
        board.diff(&empty, Encoding::V1).unwrap()
    });
    let diff_half = measure(c, "diff_half_sv", 20, || {
        board.diff(&half, Encoding::V1).unwrap()
    });

    let yrs = Figures {
        build_ms: ms(build_time),
        snapshot_bytes: snapshot.len() as f64,
        bytes_per_point: snapshot.len() as f64 / points,
        load_ms: ms(load_time),
        diff_empty_ms: ms(diff_empty),
        diff_half_ms: ms(diff_half),
    };
    let yjs = run_yjs(strokes);

    println!("\nboard of {strokes} strokes x {POINTS_PER_STROKE} points, {POINTS_PER_BATCH}-point batches");
    println!(
        "{:<22} {:>12} {:>12} {:>10}",
        "figure", "yrs", "Yjs", "yrs/Yjs"
    );
    let rows = [
        ("build (ms)", yrs.build_ms, yjs.as_ref().map(|y| y.build_ms)),
        (
            "snapshot (bytes)",
            yrs.snapshot_bytes,
            yjs.as_ref().map(|y| y.snapshot_bytes),
        ),
        (
            "bytes per point",
            yrs.bytes_per_point,
            yjs.as_ref().map(|y| y.bytes_per_point),
        ),
        (
            "load snapshot (ms)",
            yrs.load_ms,
            yjs.as_ref().map(|y| y.load_ms),
        ),
        (
            "diff empty sv (ms)",
            yrs.diff_empty_ms,
            yjs.as_ref().map(|y| y.diff_empty_ms),
        ),
        (
            "diff half sv (ms)",
            yrs.diff_half_ms,
            yjs.as_ref().map(|y| y.diff_half_ms),
        ),
    ];
    for (name, ours, theirs) in rows {
        match theirs {
            Some(t) => println!("{name:<22} {ours:>12.2} {t:>12.2} {:>10.2}", ours / t),
            None => println!("{name:<22} {ours:>12.2} {:>12} {:>10}", "-", "-"),
        }
    }
}

criterion_group!(benches, board_benchmark);
criterion_main!(benches);
