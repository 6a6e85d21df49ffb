pub mod features;
pub mod scoring;
