//! `cargo run -p guestlink-benches --release --bin report [-- --quick] [--wasm <bindings/wasm>]`:
//! runs every benchmark in this one process, interleaved round after round (so the ratios
//! between them hold on a busy machine), then prints one markdown table of medians with their
//! ratios to the floor and to vodozemac, the sizes, and
//! the goals met or missed. With `--wasm`, also the `.wasm` size (raw and `gzip -9`) of a built
//! WASM package and its per-message cost in Node (its own `bench/measure.mjs`).
#![allow(clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use guestlink_benches::{PING_PONG_SIZE, SIZES, all, ids, sizes};

/// How one row's floor is made of measured floor benchmarks: `(count, floor id)`.
type Recipe = &'static [(f64, &'static str)];

struct Row {
    name: String,
    ours: String,
    /// The floor's recipe and how it reads.
    floor: Option<(Vec<(f64, String)>, &'static str)>,
    olm: Option<String>,
}

fn row(name: impl Into<String>, ours: impl Into<String>) -> Row {
    Row { name: name.into(), ours: ours.into(), floor: None, olm: None }
}

const INVITE_FLOOR: Recipe = &[
    (2.0, "x25519_keygen"),
    (3.0, "ed25519_keygen"),
    (1.0, "ed25519_sign"),
    (1.0, "x25519_dh"),
    (2.0, "hkdf64"),
];
const OPEN_FLOOR: Recipe = &[
    (1.0, "x25519_keygen"),
    (1.0, "ed25519_keygen"),
    (2.0, "ed25519_verify"),
    (1.0, "x25519_dh"),
    (2.0, "hkdf64"),
    (1.0, "decrypt/64"),
];
const CLAIM_FLOOR: Recipe = &[
    (1.0, "ed25519_keygen"),
    (2.0, "x25519_keygen"),
    (4.0, "x25519_dh"),
    (4.0, "hkdf64"),
    (1.0, "ed25519_sign"),
    (2.0, "steady/64"),
];
const PING_PONG_FLOOR: Recipe = &[(1.0, "dh_step"), (1.0, "steady/64")];
const SAFETY_FLOOR: Recipe = &[(1.0, "sha512_170")];

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // Batches well inside a scheduler time slice, so that few of them are cut by preemption.
    let (batch, rounds) =
        if quick { (Duration::from_micros(100), 51) } else { (Duration::from_micros(200), 301) };
    let medians = measure(batch, rounds);
    let m = |group: &str, id: &str| -> Option<f64> { medians.get(&format!("{group}/{id}")).copied() };

    let mut rows = Vec::new();
    for op in ["encrypt", "decrypt", "steady"] {
        for size in SIZES {
            let id = format!("{op}/{size}");
            let label = match op {
                "steady" => format!("steady chain, encrypt + decrypt, {}", human(size)),
                _ => format!("steady chain, {op}, {}", human(size)),
            };
            rows.push(Row {
                name: label,
                ours: id.clone(),
                floor: Some((vec![(1.0, id.clone())], "chain step + AES-256-GCM, fresh key")),
                olm: Some(id),
            });
        }
    }
    rows.push(Row {
        name: format!("ping-pong message ({PING_PONG_SIZE} B, DH step each)"),
        ours: "ping_pong".into(),
        floor: Some((owned(PING_PONG_FLOOR), "keygen + 2 X25519 + 2 HKDF, + steady 64 B")),
        olm: Some("ping_pong".into()),
    });
    rows.push(Row {
        floor: Some((owned(INVITE_FLOOR), "2 X25519 keygen, 3 Ed25519 keygen, sign, X25519, 2 HKDF")),
        ..row("create invite", "create_invite")
    });
    rows.push(Row {
        floor: Some((owned(OPEN_FLOOR), "X25519 + Ed25519 keygen, 2 verify, X25519, 2 HKDF, decrypt 64 B")),
        ..row("guest open (parse, verify record, first message)", "guest_open")
    });
    rows.push(Row {
        floor: Some((
            owned(CLAIM_FLOOR),
            "Ed25519 keygen, 2 X25519 keygen, 4 X25519, 4 HKDF, sign, 2 x steady 64 B",
        )),
        ..row("claim (claim, accept, confirm)", "claim")
    });
    rows.push(Row {
        olm: Some("snapshot_save".into()),
        ..row("snapshot save (host, claimed)", "snapshot_save")
    });
    rows.push(Row {
        olm: Some("snapshot_load".into()),
        ..row("snapshot load (host, claimed)", "snapshot_load")
    });
    rows.push(row("snapshot load (host, claim window: RK0 recomputed)", "snapshot_load_window"));
    rows.push(Row {
        floor: Some((owned(SAFETY_FLOOR), "SHA-512 of 170 B")),
        ..row("safety code (long form)", "safety_code")
    });

    println!();
    println!("# guestlink benchmark report");
    println!();
    println!("{}", machine());
    println!(
        "guestlink uses ChaCha8Rng (rand_chacha 0.10, deterministic); vodozemac uses the OS RNG. \
         Every benchmark runs once per round, interleaved, in batches of about {} µs; medians of \
         {rounds} rounds, so all figures (and ratios) share the machine's load.",
        batch.as_micros()
    );
    println!();
    println!(
        "`x floor` and `x vodozemac` are guestlink's time divided by theirs (below 1: guestlink is faster)."
    );
    println!();
    println!("| operation | guestlink | floor | x floor | vodozemac 0.11 | x vodozemac |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut notes = Vec::new();
    for r in &rows {
        let ours = m(ids::GUESTLINK, &r.ours);
        let floor = r.floor.as_ref().and_then(|(recipe, _)| composed(recipe, |id| m(ids::FLOOR, id)));
        let olm = r.olm.as_deref().and_then(|id| m(ids::OLM, id));
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.name,
            time(ours),
            time(floor),
            ratio(ours, floor),
            time(olm),
            ratio(ours, olm)
        );
        if let Some((recipe, text)) = &r.floor
            && recipe.len() > 1
        {
            notes.push(format!("- floor of {}: {text}", r.name));
        }
    }
    println!();
    println!(
        "Floor of a steady-chain side: one chain step (2 HMAC-SHA256 over one keyed state) and \
         AES-256-GCM under a fresh key over the bare message. guestlink also pads, builds and \
         authenticates its header and checks the content; since message version 2 it encrypts \
         under the message key itself, as the floor does (SPEC §7.3)."
    );
    for n in notes {
        println!("{n}");
    }
    // What message version 1 added and version 2 dropped: the salted AEAD key, one HMAC a side.
    let salted =
        composed(&[(1.0, "steady/1024".to_owned()), (2.0, "hmac_37".to_owned())], |id| m(ids::FLOOR, id));
    println!(
        "- message version 1 also derived each AEAD key from a salt (one more HMAC-SHA256 per \
         side, `hmac_37`): the floor plus that is {} for steady 1 KiB, {} of the floor; version 2 \
         dropped it",
        time(salted),
        ratio(salted, m(ids::FLOOR, "steady/1024"))
    );
    println!();
    println!("Primitives (floor group):");
    println!();
    println!("| primitive | median |");
    println!("|---|---:|");
    for id in [
        "x25519_keygen",
        "x25519_dh",
        "hkdf64",
        "hmac_37",
        "ed25519_keygen",
        "ed25519_sign",
        "ed25519_verify",
        "dh_step",
    ] {
        println!("| {id} | {} |", time(m(ids::FLOOR, id)));
    }

    println!();
    println!("## Sizes");
    println!();
    println!("Wire overhead per message (bytes added to the body):");
    println!();
    println!("| body | message (0x12) | pre-claim (0x10, signed) | claim (0x11) | vodozemac Olm |");
    println!("|---:|---:|---:|---:|---:|");
    for o in sizes::overheads() {
        println!("| {} B | {} | {} | {} | {} |", o.body, o.message, o.pre_claim, o.claim, o.olm);
    }
    println!();
    println!("Snapshot bytes:");
    println!();
    println!("| snapshot | bytes |");
    println!("|---|---:|");
    let snaps = sizes::snapshots();
    for (what, len) in &snaps {
        println!("| {what} | {len} |");
    }
    println!();
    println!("Memory per session (worst case allowed by guestlink::limits):");
    println!();
    for line in sizes::memory_bound() {
        println!("- {line}");
    }

    if let Some(dir) = wasm_dir() {
        wasm_section(&dir);
    }

    println!();
    println!("## Goals");
    println!();
    let steady = ratio_of(m(ids::GUESTLINK, "steady/1024"), m(ids::FLOOR, "steady/1024"));
    let pp =
        ratio_of(m(ids::GUESTLINK, "ping_pong"), composed(&owned(PING_PONG_FLOOR), |id| m(ids::FLOOR, id)));
    let fresh = snaps.iter().filter(|(w, _)| !w.contains("cap") && !w.contains("vodozemac"));
    let largest_fresh = fresh.map(|(_, l)| *l).max().unwrap_or(0);
    goal("steady 1 KiB encrypt + decrypt <= 1.5x floor", steady.map(|r| (format!("{r:.2}x"), r <= 1.5)));
    goal("ping-pong message <= 1.1x floor", pp.map(|r| (format!("{r:.2}x"), r <= 1.1)));
    goal(
        "fresh-session snapshot <= 400 B",
        Some((format!("largest fresh snapshot {largest_fresh} B"), largest_fresh <= 400)),
    );
}

fn wasm_dir() -> Option<PathBuf> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--wasm")?;
    args.get(at + 1).map(PathBuf::from)
}

/// Sizes of a built WASM package and, through Node, its per-message cost.
fn wasm_section(dir: &Path) {
    use std::process::Command;
    println!();
    println!("## WASM ({})", dir.display());
    println!();
    let wasm = dir.join("pkg/guestlink_wasm_bg.wasm");
    match fs::read(&wasm) {
        Ok(bytes) => {
            let gz = Command::new("gzip")
                .args(["-9", "-c"])
                .arg(&wasm)
                .output()
                .map(|o| o.stdout.len().to_string())
                .unwrap_or_else(|_| "-".to_owned());
            println!("- {}: {} B raw, {gz} B gzip -9", wasm.display(), bytes.len());
        }
        Err(e) => println!("- {}: not built ({e})", wasm.display()),
    }
    let script = dir.join("bench/measure.mjs");
    if script.exists() {
        // Run from the package directory, so the script path is relative to it.
        match Command::new("node").arg("bench/measure.mjs").current_dir(dir).output() {
            Ok(o) if o.status.success() => {
                println!("- per message in Node (`node bench/measure.mjs`, 100-byte texts):");
                println!();
                println!("```");
                print!("{}", String::from_utf8_lossy(&o.stdout));
                println!("```");
            }
            Ok(o) => {
                println!("- node bench/measure.mjs failed: {}", String::from_utf8_lossy(&o.stderr).trim())
            }
            Err(e) => println!("- node not run: {e}"),
        }
    }
}

fn goal(what: &str, got: Option<(String, bool)>) {
    match got {
        Some((value, true)) => println!("- MET: {what}: {value}"),
        Some((value, false)) => println!("- NOT MET: {what}: {value}"),
        None => println!("- NOT MEASURED: {what}"),
    }
}

fn owned(recipe: Recipe) -> Vec<(f64, String)> {
    recipe.iter().map(|(n, id)| (*n, (*id).to_owned())).collect()
}

fn composed(recipe: &[(f64, String)], floor: impl Fn(&str) -> Option<f64>) -> Option<f64> {
    recipe.iter().map(|(n, id)| floor(id).map(|t| n * t)).sum()
}

fn ratio_of(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    ratio_of(a, b).map_or_else(|| "-".to_owned(), |r| format!("{r:.2}x"))
}

fn time(ns: Option<f64>) -> String {
    match ns {
        None => "-".to_owned(),
        Some(ns) if ns < 1_000.0 => format!("{ns:.0} ns"),
        Some(ns) if ns < 1_000_000.0 => format!("{:.2} µs", ns / 1_000.0),
        Some(ns) => format!("{:.2} ms", ns / 1_000_000.0),
    }
}

fn human(size: usize) -> String {
    if size >= 1024 { format!("{} KiB", size / 1024) } else { format!("{size} B") }
}

/// Runs every benchmark in `rounds` interleaved rounds (each one batch of about `batch`) and
/// returns each one's median time per iteration in nanoseconds, keyed by id.
fn measure(batch: Duration, rounds: usize) -> HashMap<String, f64> {
    let mut benches = all();
    let target = batch.as_secs_f64();
    // Calibrate: iterations per batch.
    let counts: Vec<u64> = benches
        .iter_mut()
        .map(|b| {
            let mut n = 1u64;
            loop {
                let took = (b.run)(n).as_secs_f64();
                if took >= target / 4.0 || n >= 1 << 20 {
                    let per = (took / n as f64).max(1e-9);
                    break ((target / per).ceil() as u64).clamp(1, 1 << 22);
                }
                n *= 2;
            }
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); benches.len()];
    for round in 0..rounds {
        eprint!("\rround {}/{rounds}", round + 1);
        for ((b, n), s) in benches.iter_mut().zip(&counts).zip(&mut samples) {
            s.push((b.run)(*n).as_nanos() as f64 / *n as f64);
        }
    }
    eprintln!();
    benches
        .iter()
        .zip(samples)
        .map(|(b, mut s)| {
            s.sort_by(f64::total_cmp);
            (b.id.clone(), s.get(s.len() / 2).copied().unwrap_or(f64::NAN))
        })
        .collect()
}

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.to_owned()))
        .and_then(|l| l.split(':').nth(1).map(|s| s.trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!(
        "Date: {date}. Machine: {cpu}, {cores} cores ({} {}).",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}
