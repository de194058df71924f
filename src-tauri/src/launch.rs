//! The app's command line: `--demo` goes straight to the demo systems on a first run;
//! `--records N` seeds them with N generated customers and accounts instead of the demo data
//! (for trying Couplet at scale); `--latency-ms N` delays every request to them, as if the
//! services were far away.

/// What the command line asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchArgs {
    /// Start the demo systems and fill in the wizard for them without waiting for a click.
    pub demo: bool,
    /// Seed the demo systems with this many generated records per side.
    pub records: Option<u64>,
    /// Delay every request to the demo systems by this many milliseconds.
    pub latency_ms: Option<u64>,
}

/// Why the command line was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LaunchError {
    /// `--records` without a whole number after it.
    #[error("--records takes a number of records, like --records 20000 (got {0:?})")]
    Records(Option<String>),
    /// `--latency-ms` without a whole number after it.
    #[error("--latency-ms takes milliseconds, like --latency-ms 50 (got {0:?})")]
    Latency(Option<String>),
}

impl LaunchArgs {
    /// How the demo systems are started.
    pub fn demo_options(&self) -> couplet_api::demo::DemoOptions {
        couplet_api::demo::DemoOptions {
            records: self.records,
            latency: self.latency_ms.map(std::time::Duration::from_millis),
        }
    }

    /// Reads the arguments after the program name; unknown ones are left to the platform.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<LaunchArgs, LaunchError> {
        let mut out = LaunchArgs::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--demo" => out.demo = true,
                "--records" => {
                    let value = args.next();
                    let n = value
                        .as_deref()
                        .and_then(|v| v.parse::<u64>().ok())
                        .ok_or(LaunchError::Records(value))?;
                    out.records = Some(n);
                }
                "--latency-ms" => {
                    let value = args.next();
                    let ms = value
                        .as_deref()
                        .and_then(|v| v.parse::<u64>().ok())
                        .ok_or(LaunchError::Latency(value))?;
                    out.latency_ms = Some(ms);
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<LaunchArgs, LaunchError> {
        LaunchArgs::parse(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn demo_and_records_are_read_and_other_arguments_left_alone() {
        assert_eq!(
            parse(&[
                "--demo",
                "--records",
                "20000",
                "--latency-ms",
                "50",
                "--something-else"
            ]),
            Ok(LaunchArgs {
                demo: true,
                records: Some(20_000),
                latency_ms: Some(50),
            })
        );
        assert!(parse(&["--latency-ms", "soon"]).is_err());
        assert_eq!(parse(&[]), Ok(LaunchArgs::default()));
    }

    #[test]
    fn records_without_a_number_is_refused_with_an_example() {
        let err = parse(&["--records", "many"]).expect_err("not a number");
        assert!(err.to_string().contains("--records 20000"), "{err}");
        assert_eq!(parse(&["--records"]), Err(LaunchError::Records(None)));
    }
}
