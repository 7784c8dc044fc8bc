//! Configuration: two front-ends, one model.
pub mod model;
