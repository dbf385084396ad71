//! What every export shares: errors as `GuestlinkError`, the call guard that refuses every call
//! after a trap, the slot that makes freed and consumed objects throw, and argument conversion.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, Ordering};

use guestlink::{Error, SnapshotKey};
use js_sys::{JsString, Object, Reflect, RegExp, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use zeroize::{Zeroize, Zeroizing};

#[wasm_bindgen(raw_module = "../error.js")]
extern "C" {
    /// The package's one error class (error.js).
    type GuestlinkError;

    #[wasm_bindgen(constructor)]
    fn new(code: u32, name: &str, message: &str) -> GuestlinkError;
}

/// An error this layer adds to the core's: codes 9xx, never reused by the core.
#[derive(Clone, Copy)]
pub(crate) struct BindingError {
    code: u32,
    name: &'static str,
    message: &'static str,
}

/// The object was consumed by an earlier call (for example `OpenedInvite.claim`).
pub(crate) const OBJECT_CONSUMED: BindingError = BindingError {
    code: 901,
    name: "OBJECT_CONSUMED",
    message: "the object was consumed by an earlier call",
};
/// The object was freed (`free()` or `[Symbol.dispose]()`).
pub(crate) const OBJECT_FREED: BindingError =
    BindingError { code: 902, name: "OBJECT_FREED", message: "the object was freed" };
/// An earlier call trapped (a Rust panic aborts); the module refuses every further call.
pub(crate) const PANICKED: BindingError = BindingError {
    code: 903,
    name: "PANICKED",
    message: "an earlier call aborted; this module instance refuses further calls",
};
/// The core returned an outcome this binding does not know (a newer core than the binding).
pub(crate) const UNSUPPORTED: BindingError = BindingError {
    code: 904,
    name: "UNSUPPORTED",
    message: "the core returned an outcome this binding does not know",
};

/// Every binding error, for `errorCodes()`.
pub(crate) const BINDING_ERRORS: [BindingError; 4] = [OBJECT_CONSUMED, OBJECT_FREED, PANICKED, UNSUPPORTED];

impl BindingError {
    pub(crate) fn code(self) -> u32 {
        self.code
    }

    pub(crate) fn name(self) -> &'static str {
        self.name
    }
}

/// A core error as a thrown `GuestlinkError`: code and name unchanged.
pub(crate) fn core_error(e: Error) -> JsValue {
    GuestlinkError::new(e.code(), e.name(), e.message()).into()
}

pub(crate) fn binding_error(e: BindingError) -> JsValue {
    GuestlinkError::new(e.code, e.name, e.message).into()
}

/// A wrong argument type is the core's `INVALID_ARGUMENT`, with a message naming the type.
pub(crate) fn wrong_type(expected: &'static str) -> JsValue {
    let e = Error::InvalidArgument;
    GuestlinkError::new(e.code(), e.name(), expected).into()
}

/// `Result` of every export: a thrown `GuestlinkError`.
pub(crate) type JsResult<T> = Result<T, JsValue>;

/// Lets `?` turn a core error into a thrown `GuestlinkError`.
pub(crate) trait OrThrow<T> {
    fn or_throw(self) -> JsResult<T>;
}

impl<T> OrThrow<T> for Result<T, Error> {
    fn or_throw(self) -> JsResult<T> {
        self.map_err(core_error)
    }
}

// Set while a call runs. WebAssembly is single-threaded and no export calls back into another
// export, so finding it set on entry means an earlier call never returned: it trapped (the panic
// handler aborts). The allocator and any object may then be half-updated, so every call from
// then on is refused.
static IN_CALL: AtomicBool = AtomicBool::new(false);

/// Proof that the current call entered the guard; leaving clears it, a trap does not.
pub(crate) struct Entered(());

impl Drop for Entered {
    fn drop(&mut self) {
        scrub_stack();
        IN_CALL.store(false, Ordering::Relaxed);
    }
}

/// How much of the stack below an export's frame is wiped when the export returns.
const SCRUB_LEN: usize = 64 * 1024;

/// Overwrites the stack the finished call used. Moving a value in Rust copies its bytes and
/// leaves the old copy behind, so key material the core moved (an `InviteLink` returned by value,
/// hash block buffers) would otherwise stay in linear memory, readable through `memory.buffer`,
/// after `free()`. The frame of this function lies where the call's frames were.
#[inline(never)]
fn scrub_stack() {
    core::hint::black_box([0u8; SCRUB_LEN]);
}

/// Enters an export. Every export calls this first.
pub(crate) fn enter() -> JsResult<Entered> {
    if IN_CALL.swap(true, Ordering::Relaxed) {
        return Err(binding_error(PANICKED));
    }
    Ok(Entered(()))
}

// A consumed or freed object keeps a zeroized payload of the value's size in its cell, so the
// bytes of the value that was moved out (or dropped) do not stay behind in the JS object's cell.
enum State<T> {
    Live(T),
    Consumed(MaybeUninit<T>),
    Freed(MaybeUninit<T>),
}

impl<T> State<T> {
    /// Overwrites the cell's payload with zeros (volatile writes: never optimised away).
    fn wipe(&mut self) {
        if let State::Consumed(bytes) | State::Freed(bytes) = self {
            bytes.zeroize();
        }
    }
}

/// The inner core value of a JS object: live, consumed by a typestate step, or freed. Dropping
/// the inner value zeroizes its secrets (the core's types zeroize on drop).
pub(crate) struct Slot<T>(RefCell<State<T>>);

impl<T> Slot<T> {
    pub(crate) fn new(value: T) -> Self {
        Slot(RefCell::new(State::Live(value)))
    }

    /// Runs `f` on the live value, inside the call guard.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> JsResult<R>) -> JsResult<R> {
        let _entered = enter()?;
        let mut state = self.0.try_borrow_mut().map_err(|_| binding_error(PANICKED))?;
        match &mut *state {
            State::Live(value) => f(value),
            State::Consumed(_) => Err(binding_error(OBJECT_CONSUMED)),
            State::Freed(_) => Err(binding_error(OBJECT_FREED)),
        }
    }

    /// Takes the live value out, leaving the object consumed, and runs `f` on it.
    pub(crate) fn consume<R>(&self, f: impl FnOnce(T) -> JsResult<R>) -> JsResult<R> {
        let _entered = enter()?;
        let mut state = self.0.try_borrow_mut().map_err(|_| binding_error(PANICKED))?;
        match &*state {
            State::Live(_) => {}
            State::Consumed(_) => return Err(binding_error(OBJECT_CONSUMED)),
            State::Freed(_) => return Err(binding_error(OBJECT_FREED)),
        }
        let State::Live(value) = core::mem::replace(&mut *state, State::Consumed(MaybeUninit::uninit()))
        else {
            return Err(binding_error(OBJECT_CONSUMED));
        };
        state.wipe();
        drop(state);
        f(value)
    }

    /// Drops the inner value (zeroizing it) and marks the object freed. Freeing twice is allowed.
    pub(crate) fn free(&self) -> JsResult<()> {
        let _entered = enter()?;
        let mut state = self.0.try_borrow_mut().map_err(|_| binding_error(PANICKED))?;
        if !matches!(*state, State::Freed(_)) {
            // Drops a live value in place first (its keys zeroize themselves).
            *state = State::Freed(MaybeUninit::uninit());
            state.wipe();
        }
        Ok(())
    }
}

// Arguments are copied into linear memory, which never shrinks: a 64 MiB envelope would keep
// 64 MiB for the life of the page, and a large enough one would fail to allocate, trap and poison
// the module. So no argument is copied past one byte (one UTF-16 unit) over the core's limit for
// it. Every core entry point refuses an input over its limit on its length alone, before it reads
// past the limit, so the first `max + 1` bytes get the answer, and the error code, that the whole
// input would have got; state checks that come first in the core still come first.

/// Bytes from a `Uint8Array` argument (a Node `Buffer` is one): all of them, or the first
/// `max + 1` when there are more.
fn bytes(value: &JsValue, max: usize) -> JsResult<Vec<u8>> {
    let array = value.dyn_ref::<Uint8Array>().ok_or_else(|| wrong_type("expected a Uint8Array"))?;
    let end = u32::try_from(max.saturating_add(1)).unwrap_or(u32::MAX);
    Ok(if array.length() > end { array.subarray(0, end).to_vec() } else { array.to_vec() })
}

/// An envelope or record argument (`guestlink::MAX_ENVELOPE_LEN`).
pub(crate) fn envelope_bytes(value: &JsValue) -> JsResult<Vec<u8>> {
    bytes(value, guestlink::MAX_ENVELOPE_LEN)
}

/// A snapshot argument (`guestlink::snapshot::MAX_SNAPSHOT_LEN`).
pub(crate) fn snapshot_bytes(value: &JsValue) -> JsResult<Vec<u8>> {
    bytes(value, guestlink::snapshot::MAX_SNAPSHOT_LEN)
}

/// A relay challenge argument (`guestlink::limits::MAX_CHALLENGE_LEN`).
pub(crate) fn challenge_bytes(value: &JsValue) -> JsResult<Vec<u8>> {
    bytes(value, guestlink::limits::MAX_CHALLENGE_LEN)
}

/// A fixed-size byte argument; any other length is `INVALID_ARGUMENT`.
pub(crate) fn array<const N: usize>(value: &JsValue) -> JsResult<Zeroizing<[u8; N]>> {
    let array = value.dyn_ref::<Uint8Array>().ok_or_else(|| wrong_type("expected a Uint8Array"))?;
    let mut out = Zeroizing::new([0u8; N]);
    if array.length() as usize != N {
        return Err(core_error(Error::InvalidArgument));
    }
    array.copy_to(out.as_mut_slice());
    Ok(out)
}

/// A 32-byte snapshot key argument (the caller's secret, kept in its keystore).
pub(crate) fn snapshot_key(value: &JsValue) -> JsResult<SnapshotKey> {
    Ok(SnapshotKey::from_bytes(*array::<32>(value)?))
}

/// A string argument, refused if it is not a string or holds lone surrogates (which would
/// otherwise be replaced silently by U+FFFD on the way into WebAssembly). Checked in JavaScript,
/// over the whole string, before any of it is copied.
fn string(value: &JsValue) -> JsResult<&JsString> {
    let s = value.dyn_ref::<JsString>().ok_or_else(|| wrong_type("expected a string"))?;
    // In a Unicode-mode pattern a surrogate pair is one code point: only lone surrogates match.
    if s.search(&RegExp::new(r"[\uD800-\uDFFF]", "u")) >= 0 {
        return Err(wrong_type("the string holds a lone surrogate (not valid UTF-16)"));
    }
    Ok(s)
}

/// `s`, or its first `max + 1` UTF-16 units when it has more. UTF-8 takes at least one byte per
/// unit, so a string cut here is still over a limit of `max` bytes (a surrogate pair cut in two
/// leaves U+FFFD, three bytes).
fn cut(s: &JsString, max: usize) -> JsString {
    let end = u32::try_from(max.saturating_add(1)).unwrap_or(u32::MAX);
    if s.length() > end { s.slice(0, end) } else { s.clone() }
}

/// A string argument of at most `max` UTF-8 bytes as far as the core is concerned (see `cut`).
pub(crate) fn text(value: &JsValue, max: usize) -> JsResult<Zeroizing<String>> {
    utf8(&cut(string(value)?, max))
}

/// A whole link argument. The core splits a link at its first `#` and refuses, on its length
/// alone, a base URL over `MAX_BASE_URL_LEN` (or, without any `#`, the whole link) or a fragment of
/// any length but `FRAGMENT_LEN`, so each part is cut on its own: cutting the whole link could
/// drop the `#` of a link whose base URL is too long and turn `INVALID_ARGUMENT` into
/// `LINK_MISSING_FRAGMENT`.
pub(crate) fn link_text(value: &JsValue) -> JsResult<Zeroizing<String>> {
    let s = string(value)?;
    let base_max = guestlink::limits::MAX_BASE_URL_LEN;
    let link = match u32::try_from(s.index_of("#", 0)) {
        Ok(at) => cut(&s.slice(0, at), base_max)
            .concat(&JsValue::from_str("#"))
            .concat(&cut(&s.slice(at.saturating_add(1), s.length()), guestlink::FRAGMENT_LEN).into()),
        Err(_) => cut(s, base_max),
    };
    utf8(&link)
}

/// More characters than any safety code's long form has digits: a longer typed code never matches.
const TYPED_CODE_MAX: usize = 64;

/// A typed safety code. The comparison ignores ASCII whitespace, so any amount of it may surround
/// a matching code: it is removed in JavaScript, and what is left is cut at `TYPED_CODE_MAX`.
pub(crate) fn typed_code(value: &JsValue) -> JsResult<Zeroizing<String>> {
    // The five characters Rust's `u8::is_ascii_whitespace` accepts.
    let digits = string(value)?.replace_by_pattern(&RegExp::new("[\t\n\x0C\r ]", "g"), "");
    utf8(&cut(&digits, TYPED_CODE_MAX))
}

#[wasm_bindgen]
extern "C" {
    /// The platform's `TextEncoder` (browsers, Node).
    type TextEncoder;

    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;

    /// Encodes `source` as UTF-8 straight into `destination`; returns `{ read, written }`.
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, source: &JsString, destination: &mut [u8]) -> Object;
}

/// A JavaScript string as UTF-8 in a buffer that is wiped when it drops. Not `as_string()`:
/// wasm-bindgen's glue allocates one byte per UTF-16 unit, grows the buffer at the first
/// non-ASCII character, and the allocator frees the first buffer, text and all, unwiped. Here the
/// buffer is allocated once, at three bytes per unit, which any string fits.
fn utf8(s: &JsString) -> JsResult<Zeroizing<String>> {
    let units = usize::try_from(s.length()).map_err(|_| core_error(Error::InvalidArgument))?;
    let mut buf = Zeroizing::new(alloc::vec![0u8; units.saturating_mul(3)]);
    let result = TextEncoder::new().encode_into(s, &mut buf);
    let written = Reflect::get(&result, &JsValue::from_str("written"))?
        .as_f64()
        .ok_or_else(|| wrong_type("TextEncoder.encodeInto returned no length"))?;
    buf.truncate(written as usize);
    let text = String::from_utf8(core::mem::take(&mut *buf)).map_err(|e| {
        drop(Zeroizing::new(e.into_bytes()));
        wrong_type("the string did not encode as UTF-8")
    })?;
    Ok(Zeroizing::new(text))
}

/// A non-negative integer number below 2^53 (seconds, counters).
pub(crate) fn integer(value: &JsValue) -> JsResult<u64> {
    let n = value.as_f64().ok_or_else(|| wrong_type("expected a number"))?;
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    if !(0.0..=MAX_SAFE).contains(&n) || (n as u64) as f64 != n {
        return Err(core_error(Error::InvalidArgument));
    }
    Ok(n as u64)
}

/// `now` in seconds since the Unix epoch: the argument, or `Date.now()` when it is omitted
/// (`undefined` or `null`).
pub(crate) fn now(value: Option<&JsValue>) -> JsResult<u64> {
    match value {
        Some(v) if !v.is_null_or_undefined() => integer(v),
        // Date.now() is milliseconds; truncation is the floor for any date after 1970.
        _ => Ok((js_sys::Date::now() / 1000.0) as u64),
    }
}

/// A number for JavaScript (every time and counter of the protocol is far below 2^53).
pub(crate) fn number(n: u64) -> f64 {
    n as f64
}

/// The caller's CSPRNG: `crypto.getRandomValues` in WebAssembly. It cannot fail on any platform
/// the package supports; if it does, the call traps and the module refuses further calls rather
/// than continue with bad randomness.
pub(crate) fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// Builds a plain result object.
pub(crate) struct Obj(Object);

impl Obj {
    pub(crate) fn new() -> Self {
        Obj(Object::new())
    }

    pub(crate) fn set(self, key: &str, value: impl Into<JsValue>) -> JsResult<Self> {
        Reflect::set(&self.0, &JsValue::from_str(key), &value.into())?;
        Ok(self)
    }

    pub(crate) fn bytes(self, key: &str, value: &[u8]) -> JsResult<Self> {
        self.set(key, Uint8Array::from(value))
    }

    /// Sets a decrypted text. JavaScript gets its own string, decoded straight out of linear
    /// memory; the Rust copy is wiped when `value` drops, which `String`'s drop would not do.
    pub(crate) fn text(self, key: &str, value: &Zeroizing<String>) -> JsResult<Self> {
        self.set(key, value.as_str())
    }

    /// `{ kind: "text", text }` for a decrypted text, which is wrapped before anything can fail.
    pub(crate) fn received_text(text: String) -> JsResult<Self> {
        let text = Zeroizing::new(text);
        Obj::new().set("kind", "text")?.text("text", &text)
    }

    pub(crate) fn done(self) -> JsValue {
        self.0.into()
    }
}
