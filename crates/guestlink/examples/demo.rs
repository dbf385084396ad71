//! Plays host and guest in one process and prints what each side sends and receives.
//! `cargo run -p guestlink --example demo`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use guestlink::{GuestReceived, HostIdentity, HostReceived, InviteLink, peek};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn main() -> Result<(), guestlink::Error> {
    // A real app uses an OS-backed CSPRNG; the demo seeds one from the clock so each run differs.
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut rng = ChaCha20Rng::seed_from_u64(now ^ u64::from(std::process::id()));
    let show = |who: &str, what: &str, bytes: &[u8]| {
        let kind = peek(bytes).map(|i| format!("{:?}", i.kind)).unwrap_or_default();
        println!("  {who:<6} {what:<28} {kind:<16} {:>4} bytes on the wire", bytes.len());
    };

    println!("1. The host creates an identity and an invite");
    let host_id = HostIdentity::generate(&mut rng);
    let invite = host_id.create_invite(&mut rng, now, now + 86_400, "https://chat.example/g")?;
    let mut host = invite.session;
    println!("  link:   {}", invite.link.as_str());
    println!("  host key fingerprint: {}", host_id.public_key().fingerprint());
    show("host", "publishes the invite record", &invite.record);

    println!("2. The host writes before the guest has opened the link");
    let first = host.encrypt(&mut rng, now, "Hello! Your order #1234 is ready.")?;
    show("host", "sends (signed, pre-claim)", &first);

    println!("3. The guest opens the link, checks the record, reads");
    let mut opened = InviteLink::parse(invite.link.as_str())?.open(&invite.record, now)?;
    if let GuestReceived::Text(t) = opened.decrypt(&first)? {
        println!("  guest  reads: {t:?}");
    }

    println!("4. The guest claims the invite (an explicit click in the real page)");
    let (mut guest, claim) = opened.claim(&mut rng, now)?;
    show("guest", "sends the claim", &claim);
    println!("  guest  safety code: {}  (unconfirmed)", guest.safety_code().long_form());

    println!("5. The host accepts the first claim and confirms it");
    let HostReceived::Claimed(accepted) = host.decrypt(&mut rng, now, &claim)? else { panic!("not a claim") };
    show("host", "posts the claimed record", &accepted.claimed_record);
    show("host", "sends the confirmation", &accepted.confirmation);
    println!("  host   safety code: {}", accepted.safety_code.long_form());
    guest.decrypt(&accepted.confirmation)?;
    println!(
        "  guest  confirmed: {}; codes match: {}",
        guest.is_confirmed(),
        guest.safety_code() == accepted.safety_code
    );

    println!("6. They chat (a Double Ratchet step on every turn)");
    for (g, h) in
        [("Thanks! I'll come by at five.", "Great, see you then."), ("Can I pay by card?", "Yes, of course.")]
    {
        let m = guest.encrypt(&mut rng, g)?;
        show("guest", &format!("sends {g:?}").chars().take(28).collect::<String>(), &m);
        if let HostReceived::Text(t) = host.decrypt(&mut rng, now, &m)? {
            println!("  host   reads: {t:?}");
        }
        let m = host.encrypt(&mut rng, now, h)?;
        show("host", &format!("sends {h:?}").chars().take(28).collect::<String>(), &m);
        if let GuestReceived::Text(t) = guest.decrypt(&m)? {
            println!("  guest  reads: {t:?}");
        }
    }

    println!("7. The host revokes the invite; the session ends");
    let rev = host.revoke(&mut rng, now)?;
    show("host", "posts the revocation", &rev.record);
    if let Some(end) = rev.end_message {
        println!("  guest  receives: {:?}", guest.decrypt(&end)?);
    }
    println!("\nNext: `scripts/test.sh` runs every test; SPEC.md describes the protocol.");
    Ok(())
}
