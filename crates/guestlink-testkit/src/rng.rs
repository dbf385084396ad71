//! A seeded RNG that records every draw, so vectors can list the randomness each step used.

use core::convert::Infallible;

use rand_chacha::ChaCha20Rng;
use rand_core::{SeedableRng, TryCryptoRng, TryRng};

/// ChaCha20 from a seed, logging each `fill_bytes` call.
pub struct Recorder {
    inner: ChaCha20Rng,
    log: Vec<Vec<u8>>,
}

impl Recorder {
    /// A recorder seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Recorder { inner: ChaCha20Rng::seed_from_u64(seed), log: Vec::new() }
    }

    /// The draws since the last call, oldest first.
    pub fn take(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.log)
    }
}

impl TryRng for Recorder {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        rand_core::Rng::fill_bytes(&mut self.inner, dst);
        self.log.push(dst.to_vec());
        Ok(())
    }
}

impl TryCryptoRng for Recorder {}
