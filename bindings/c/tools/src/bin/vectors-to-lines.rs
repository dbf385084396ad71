//! Converts `test-vectors/*.json` into a line format the C tests read without a JSON parser.
//!
//! Usage: `vectors-to-lines <test-vectors dir>`; writes to stdout. Every `*.json` file of the
//! directory is enumerated; suites the C tests do not cover are named on stderr and in a comment
//! line, never dropped silently. Error names are turned into the stable codes here (and checked
//! against the file's `code` when it gives one), so the C side compares numbers only.
//!
//! Line format (tokens separated by one space; byte strings and texts in lowercase hex; `-` for
//! an absent value; `<code>` is 0 for success):
//!
//! ```text
//! SUITE <name> <cases>
//! LINK <fragment_only 0|1> <link> <code> <mailbox_id|-> <host_identity|-> <link_mailbox_pk|->
//! RECORD <link> <record> <now> <code>
//! SNAPSHOT <kind> <snapshot> <key> <min_counter> <code> <counter|-> <object_id|->
//! ENVELOPE <party> <state> <key> <now> <envelope> <code>
//! CONVERSATION <name> <key> <link> <record> <now>
//! DECRYPT <op> <now> <state_before> <envelope> <code> <kind|-> <text|-> <safety_code|-> <claimed_record|->
//! CLAIM <guest_snapshot> <envelope> <safety_code_long> <safety_code_short> <qr>
//! REVOKE <now> <record>
//! END
//! ```
//!
//! Encrypt steps of conversations are not replayed: they drew randomness the C binding takes from
//! the OS. Their envelopes are replayed by the decrypt steps that follow.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use serde_json::Value;

/// Converts one case of a single-line suite.
type LineFn = fn(&Value) -> Result<String, String>;

/// The first of `names` present in `case`.
fn field<'a>(case: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| case.get(*n))
}

fn text(case: &Value, names: &[&str]) -> Result<String, String> {
    field(case, names).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| format!("missing {names:?}"))
}

/// A hex field, normalised to lowercase hex; `-` when absent and `optional`.
fn hex_field(case: &Value, names: &[&str], optional: bool) -> Result<String, String> {
    match field(case, names).and_then(Value::as_str) {
        Some(h) => hex::decode(h).map(hex::encode).map_err(|e| format!("{names:?}: {e}")),
        None if optional => Ok("-".into()),
        None => Err(format!("missing {names:?}")),
    }
}

fn number(case: &Value, names: &[&str], default: Option<u64>) -> Result<u64, String> {
    match field(case, names) {
        Some(v) => v.as_u64().ok_or_else(|| format!("{names:?} is not a u64")),
        None => default.ok_or_else(|| format!("missing {names:?}")),
    }
}

/// `"ok"` (or an outcome word) is 0; an error name becomes its stable code, checked against
/// `code` when present.
fn expected_code(case: &Value) -> Result<u32, String> {
    let expect = field(case, &["expect", "outcome", "result"]).and_then(Value::as_str).unwrap_or("ok");
    let given = field(case, &["code", "error_code"]).and_then(Value::as_u64);
    let by_name = guestlink::Error::ALL.iter().find(|e| e.name().eq_ignore_ascii_case(expect));
    match (by_name, given) {
        (Some(e), Some(c)) if u64::from(e.code()) != c => {
            Err(format!("{expect} has code {}, file says {c}", e.code()))
        }
        (Some(e), _) => Ok(e.code()),
        (None, Some(c)) if c != 0 => {
            u32::try_from(c).map_err(|_| format!("code {c} out of range")).and_then(|c| {
                guestlink::Error::from_code(c).map(|e| e.code()).ok_or_else(|| format!("unknown code {c}"))
            })
        }
        (None, _) => Ok(0),
    }
}

fn hex_text(s: &str) -> String {
    hex::encode(s.as_bytes())
}

fn link_line(case: &Value) -> Result<String, String> {
    let fragment_only = field(case, &["fragment_only"]).and_then(Value::as_bool).unwrap_or(false);
    Ok(format!(
        "LINK {} {} {} {} {} {}",
        u8::from(fragment_only),
        hex_text(&text(case, &["link", "input"])?),
        expected_code(case)?,
        hex_field(case, &["mailbox_id"], true)?,
        hex_field(case, &["host_identity", "host_identity_key"], true)?,
        hex_field(case, &["link_mailbox_pk"], true)?,
    ))
}

fn record_line(case: &Value) -> Result<String, String> {
    Ok(format!(
        "RECORD {} {} {} {}",
        hex_text(&text(case, &["link"])?),
        hex_field(case, &["record"], false)?,
        number(case, &["now"], None)?,
        expected_code(case)?,
    ))
}

fn snapshot_line(case: &Value) -> Result<String, String> {
    let counter = match field(case, &["counter"]).and_then(Value::as_u64) {
        Some(c) => c.to_string(),
        None => "-".into(),
    };
    Ok(format!(
        "SNAPSHOT {} {} {} {} {} {} {}",
        text(case, &["kind"])?,
        hex_field(case, &["snapshot"], false)?,
        hex_field(case, &["snapshot_key", "key"], false)?,
        number(case, &["min_counter"], Some(0))?,
        expected_code(case)?,
        counter,
        hex_field(case, &["object_id"], true)?,
    ))
}

fn envelope_line(case: &Value) -> Result<String, String> {
    Ok(format!(
        "ENVELOPE {} {} {} {} {} {}",
        text(case, &["party"])?,
        hex_field(case, &["state", "snapshot"], false)?,
        hex_field(case, &["snapshot_key", "key"], false)?,
        number(case, &["now"], Some(0))?,
        hex_field(case, &["envelope"], false)?,
        expected_code(case)?,
    ))
}

/// A string field as hex text; `-` when absent or null.
fn opt_text_hex(v: &Value, names: &[&str]) -> String {
    field(v, names).and_then(Value::as_str).map_or_else(|| "-".into(), hex_text)
}

fn conversation_lines(case: &Value, out: &mut String) -> Result<(), String> {
    let steps = field(case, &["steps"]).and_then(Value::as_array).ok_or("missing steps")?;
    let now = number(case, &["now"], None)?;
    let _ = writeln!(
        out,
        "CONVERSATION {} {} {} {} {now}",
        text(case, &["name"]).unwrap_or_else(|_| "-".into()),
        hex_field(case, &["snapshot_key", "key"], false)?,
        hex_text(&text(case, &["link"])?),
        hex_field(case, &["record"], false)?,
    );
    for step in steps {
        let op = text(step, &["op"])?;
        match op.as_str() {
            "host_decrypt" | "opened_decrypt" | "guest_decrypt" => {
                let received = step.get("received").unwrap_or(&Value::Null);
                let _ = writeln!(
                    out,
                    "DECRYPT {op} {} {} {} {} {} {} {} {}",
                    number(step, &["now"], Some(now))?,
                    hex_field(step, &["state_before"], false)?,
                    hex_field(step, &["envelope"], false)?,
                    expected_code(step)?,
                    field(received, &["kind"]).and_then(Value::as_str).unwrap_or("-"),
                    opt_text_hex(received, &["text"]),
                    opt_text_hex(received, &["safety_code"]),
                    hex_field(step, &["claimed_record"], true)?,
                );
            }
            "guest_claim" => {
                let code = step.get("safety_code").unwrap_or(&Value::Null);
                let _ = writeln!(
                    out,
                    "CLAIM {} {} {} {} {}",
                    hex_field(step, &["guest_snapshot"], false)?,
                    hex_field(step, &["envelope"], false)?,
                    hex_text(&text(code, &["long"])?),
                    hex_text(&text(code, &["short"])?),
                    hex_field(code, &["qr"], false)?,
                );
            }
            "host_revoke" => {
                let _ = writeln!(
                    out,
                    "REVOKE {} {}",
                    number(step, &["now"], Some(now))?,
                    hex_field(step, &["record"], false)?
                );
            }
            // Encrypt steps drew randomness the C binding takes from the OS: their envelopes
            // are replayed by the decrypt steps that follow.
            "host_encrypt" | "guest_encrypt" => {}
            other => return Err(format!("unknown step {other}")),
        }
    }
    let _ = writeln!(out, "END");
    Ok(())
}

fn convert_file(path: &Path, out: &mut String) -> Result<(), String> {
    let data = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let json: Value = serde_json::from_str(&data).map_err(|e| e.to_string())?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let suite = json.get("suite").and_then(Value::as_str).unwrap_or(stem).to_owned();
    let cases = json.get("cases").and_then(Value::as_array).ok_or("missing cases")?;
    let line: Option<LineFn> = match suite.as_str() {
        "link" => Some(link_line),
        "record" => Some(record_line),
        "snapshot" => Some(snapshot_line),
        "envelope" => Some(envelope_line),
        "conversation" => None,
        _ => {
            eprintln!("vectors-to-lines: suite {suite} ({}) is not covered by the C tests", path.display());
            let _ = writeln!(out, "# suite {suite}: not covered by the C tests");
            return Ok(());
        }
    };
    let _ = writeln!(out, "SUITE {suite} {}", cases.len());
    for (i, case) in cases.iter().enumerate() {
        let result = match line {
            Some(f) => f(case).map(|l| {
                let _ = writeln!(out, "{l}");
            }),
            None => conversation_lines(case, out),
        };
        result.map_err(|e| format!("case {i}: {e}"))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: vectors-to-lines <test-vectors dir>");
        return ExitCode::FAILURE;
    };
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) => {
            eprintln!("vectors-to-lines: {dir}: {e}");
            return ExitCode::FAILURE;
        }
    };
    files.sort();
    let mut out = String::new();
    let _ = writeln!(out, "# {} vector files from {dir}", files.len());
    for path in &files {
        if let Err(e) = convert_file(path, &mut out) {
            eprintln!("vectors-to-lines: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    print!("{out}");
    ExitCode::SUCCESS
}
