//! Testing a connection step by step, so the wizard can say exactly which step failed
//! (the URL, the name lookup, TLS, the token, the privileges, the environment) and how to
//! fix it.

use couplet_connectors::{BusinessCentral, Dataverse, Secret, check_token};
use couplet_model::connection::AuthMethod;
use couplet_model::{ConnectionSettings, Endpoint, EndpointError, ErrorKind, Side};

use crate::ApiError;
use crate::connections::{pick_company, settings_from};
use crate::dto::{
    CheckStatus, CheckStep, CheckView, CompanyView, ConnectionInput, ConnectionReport,
    ConnectionTestView, FailureCause,
};

/// The checks of one side, in the order they run.
const STEPS: [(Side, &[CheckStep]); 2] = [
    (
        Side::Erp,
        &[
            CheckStep::Settings,
            CheckStep::Token,
            CheckStep::Service,
            CheckStep::Company,
            CheckStep::IntegrationUser,
        ],
    ),
    (
        Side::Crm,
        &[
            CheckStep::Settings,
            CheckStep::Token,
            CheckStep::Service,
            CheckStep::IntegrationUser,
        ],
    ),
];

/// The outcome of a test: the view for the UI, and the settled settings when every check
/// passed (or the first failure as an error).
pub(crate) struct Tested {
    /// What the UI shows.
    pub view: ConnectionTestView,
    /// The settings to save, with the company and integration user filled in, and the
    /// credential to keep in the secret store.
    pub settled: Result<(ConnectionReport, ConnectionSettings, Secret), ApiError>,
}

struct Checks {
    side: Side,
    auth: AuthMethod,
    done: Vec<CheckView>,
    companies: Vec<CompanyView>,
}

impl Checks {
    fn pass(&mut self, step: CheckStep, summary: String) {
        self.done.push(CheckView {
            step,
            status: CheckStatus::Passed,
            summary,
            cause: None,
            detail: None,
            hint: None,
        });
    }

    fn fail(self, step: CheckStep, cause: FailureCause, error: ApiError) -> Tested {
        let failed = CheckView {
            step,
            status: CheckStatus::Failed,
            summary: failure_summary(self.side, step, cause),
            cause: Some(cause),
            detail: Some(error.message.clone()),
            hint: Some(hint(self.side, &self.auth, step, cause)),
        };
        let mut checks = self.done;
        checks.push(failed);
        Tested {
            view: finish(self.side, checks, self.companies, None, None),
            settled: Err(error),
        }
    }

    fn fail_endpoint(self, step: CheckStep, error: EndpointError) -> Tested {
        let cause = cause_of(step, &error);
        let refused_user = match &self.auth {
            AuthMethod::Basic { user } if error.kind == ErrorKind::Auth => Some(user.clone()),
            _ => None,
        };
        let service_said = error.message.clone();
        let mut api_error = ApiError::from(error);
        if let Some(user) = refused_user {
            api_error.message = format!("Business Central refused user {user}: {service_said}");
        }
        self.fail(step, cause, api_error)
    }
}

/// Appends the steps that did not run as skipped and decides whether all passed.
fn finish(
    side: Side,
    mut checks: Vec<CheckView>,
    companies: Vec<CompanyView>,
    company: Option<CompanyView>,
    integration_user: Option<couplet_model::IntegrationUser>,
) -> ConnectionTestView {
    let steps = STEPS
        .iter()
        .find(|(s, _)| *s == side)
        .map(|(_, steps)| *steps)
        .unwrap_or_default();
    for step in steps.iter().skip(checks.len()) {
        checks.push(CheckView {
            step: *step,
            status: CheckStatus::Skipped,
            summary: "Not checked: an earlier step failed.".to_owned(),
            cause: None,
            detail: None,
            hint: None,
        });
    }
    ConnectionTestView {
        side,
        passed: checks.iter().all(|c| c.status == CheckStatus::Passed),
        checks,
        companies,
        company,
        integration_user,
    }
}

/// Tests one side step by step. Saves nothing.
pub(crate) async fn test(input: &ConnectionInput) -> Tested {
    let mut checks = Checks {
        side: input.side,
        auth: AuthMethod::ClientSecret,
        done: Vec::new(),
        companies: Vec::new(),
    };
    let (mut settings, secret) = match settings_from(input) {
        Ok(s) => s,
        Err(e) => return checks.fail(CheckStep::Settings, FailureCause::InvalidInput, e),
    };
    checks.auth = settings.auth.clone();
    match input.side {
        Side::Erp => {
            let probe = match BusinessCentral::new(&settings, secret.clone()) {
                Ok(p) => p,
                Err(e) => return checks.fail_endpoint(CheckStep::Settings, e),
            };
            checks.pass(
                CheckStep::Settings,
                "The URLs and ids are well-formed.".into(),
            );
            if let Err(e) = check_token(&settings, secret.clone()).await {
                return checks.fail_endpoint(CheckStep::Token, e);
            }
            checks.pass(CheckStep::Token, token_summary(&settings));
            let companies: Vec<CompanyView> = match probe.companies().await {
                Ok(list) => list
                    .into_iter()
                    .map(|c| CompanyView {
                        id: c.id,
                        name: c.display_name,
                    })
                    .collect(),
                Err(e) => return checks.fail_endpoint(CheckStep::Service, e),
            };
            checks.pass(
                CheckStep::Service,
                format!(
                    "Business Central answered and lists {} compan{}.",
                    companies.len(),
                    if companies.len() == 1 { "y" } else { "ies" }
                ),
            );
            checks.companies = companies.clone();
            let company = match pick_company(&companies, input.company.as_deref()) {
                Ok(c) => c,
                Err(e) => {
                    let cause = if companies.is_empty() {
                        FailureCause::NoPrivileges
                    } else if input
                        .company
                        .as_deref()
                        .is_some_and(|c| !c.trim().is_empty())
                    {
                        FailureCause::NotFound
                    } else {
                        FailureCause::InvalidInput
                    };
                    return checks.fail(CheckStep::Company, cause, e);
                }
            };
            checks.pass(CheckStep::Company, format!("Company \"{}\".", company.name));
            settings.company_id = Some(company.id);
            settings.company_name = Some(company.name.clone());
            let bc = match BusinessCentral::new(&settings, secret.clone()) {
                Ok(bc) => bc,
                Err(e) => return checks.fail_endpoint(CheckStep::Settings, e),
            };
            let user = match bc.integration_user().await {
                Ok(u) => u,
                Err(e) => return checks.fail_endpoint(CheckStep::IntegrationUser, e),
            };
            checks.pass(CheckStep::IntegrationUser, user_summary(Side::Erp, &user));
            settings.integration_user = Some(user.clone());
            let report = ConnectionReport {
                side: Side::Erp,
                integration_user: user.clone(),
                companies: companies.clone(),
                company: Some(company.clone()),
            };
            Tested {
                view: finish(Side::Erp, checks.done, companies, Some(company), Some(user)),
                settled: Ok((report, settings, secret)),
            }
        }
        Side::Crm => {
            let dv = match Dataverse::new(&settings, secret.clone()) {
                Ok(dv) => dv,
                Err(e) => return checks.fail_endpoint(CheckStep::Settings, e),
            };
            checks.pass(
                CheckStep::Settings,
                "The URLs and ids are well-formed.".into(),
            );
            if let Err(e) = check_token(&settings, secret.clone()).await {
                return checks.fail_endpoint(CheckStep::Token, e);
            }
            checks.pass(CheckStep::Token, token_summary(&settings));
            let user = match dv.integration_user().await {
                Ok(u) => u,
                Err(e) => return checks.fail_endpoint(CheckStep::Service, e),
            };
            checks.pass(
                CheckStep::Service,
                format!("Dataverse answered WhoAmI at {}.", settings.url),
            );
            checks.pass(CheckStep::IntegrationUser, user_summary(Side::Crm, &user));
            settings.integration_user = Some(user.clone());
            let report = ConnectionReport {
                side: Side::Crm,
                integration_user: user.clone(),
                companies: Vec::new(),
                company: None,
            };
            Tested {
                view: finish(Side::Crm, checks.done, Vec::new(), None, Some(user)),
                settled: Ok((report, settings, secret)),
            }
        }
    }
}

fn token_summary(settings: &ConnectionSettings) -> String {
    match &settings.auth {
        AuthMethod::Basic { user } => {
            format!("Basic auth as {user}: Business Central on-premises needs no token.")
        }
        AuthMethod::Certificate { thumbprint } => format!(
            "{} issued a token for {} to the certificate {thumbprint}.",
            settings.authority, settings.scope
        ),
        AuthMethod::ClientSecret => format!(
            "{} issued a token for {}.",
            settings.authority, settings.scope
        ),
    }
}

fn user_summary(side: Side, user: &couplet_model::IntegrationUser) -> String {
    let name = user.name.as_deref().unwrap_or("(no name)");
    match side {
        Side::Erp => format!(
            "Changes are made as {name}; Couplet ignores them when reading Business Central."
        ),
        Side::Crm => format!(
            "Changes are made as the application user {name} ({}); Couplet ignores them when reading Dataverse.",
            user.id
        ),
    }
}

/// Classifies a failed step.
fn cause_of(step: CheckStep, error: &EndpointError) -> FailureCause {
    match error.kind {
        ErrorKind::Config => FailureCause::InvalidInput,
        ErrorKind::Connection => {
            let text = error.message.to_lowercase();
            if [
                "dns error",
                "failed to lookup address",
                "name or service not known",
            ]
            .iter()
            .any(|needle| text.contains(needle))
            {
                FailureCause::NameNotFound
            } else {
                FailureCause::Unreachable
            }
        }
        ErrorKind::Tls => FailureCause::Tls,
        ErrorKind::Timeout => FailureCause::Timeout,
        ErrorKind::Auth if step == CheckStep::Token => FailureCause::TokenRefused,
        ErrorKind::Auth => FailureCause::TokenNotAccepted,
        ErrorKind::Forbidden => FailureCause::NoPrivileges,
        ErrorKind::NotFound => FailureCause::NotFound,
        ErrorKind::Throttled => FailureCause::Throttled,
        ErrorKind::Server | ErrorKind::Conflict | ErrorKind::Rejected | ErrorKind::Protocol => {
            FailureCause::ServiceError
        }
    }
}

fn failure_summary(side: Side, step: CheckStep, cause: FailureCause) -> String {
    let what = match step {
        CheckStep::Settings => "The settings are incomplete or malformed.",
        CheckStep::Token => "No access token.",
        CheckStep::Service => match side {
            Side::Erp => "Business Central did not answer as expected.",
            Side::Crm => "Dataverse did not answer as expected.",
        },
        CheckStep::Company => "No company chosen.",
        CheckStep::IntegrationUser => "The integration user could not be identified.",
    };
    let why = match cause {
        FailureCause::InvalidInput => "Invalid input",
        FailureCause::NameNotFound => "Host name not found (DNS)",
        FailureCause::Unreachable => "Connection failed",
        FailureCause::Tls => "Secure connection (TLS) failed",
        FailureCause::Timeout => "No answer in time",
        FailureCause::TokenRefused => "Credentials refused",
        FailureCause::TokenNotAccepted => "Token not accepted",
        FailureCause::NoPrivileges => "Missing privileges",
        FailureCause::NotFound => "Not found",
        FailureCause::Throttled => "Service busy",
        FailureCause::ServiceError => "Service error",
    };
    format!("{why}: {what}")
}

/// What to do about a failure, in the words of the admin centers people know.
fn hint(side: Side, auth: &AuthMethod, step: CheckStep, cause: FailureCause) -> String {
    let service = match side {
        Side::Erp => "Business Central",
        Side::Crm => "Dataverse",
    };
    let host = if step == CheckStep::Token {
        "the authority host"
    } else {
        "the URL's host"
    };
    match cause {
        FailureCause::InvalidInput => match step {
            CheckStep::Company => "Pick the company to synchronize from the list.".to_owned(),
            _ => "Correct the field named in the message and test again.".to_owned(),
        },
        FailureCause::NameNotFound => format!(
            "{host} could not be found: check it for typos, and that this computer is online and can resolve names."
        ),
        FailureCause::Unreachable => format!(
            "{host} was found but refused or dropped the connection: check the URL, and any proxy or firewall between this computer and {service}."
        ),
        FailureCause::Tls => "The secure connection failed: the URL must start with https://, and no proxy may replace the service's certificate with one this computer does not trust.".to_owned(),
        FailureCause::Timeout => format!("{service} did not answer in time: test again; if it persists, check the network."),
        FailureCause::TokenRefused => match auth {
            AuthMethod::Certificate { thumbprint } => format!("Microsoft Entra refused the certificate: check the tenant and the application (client) id, and that a certificate with thumbprint {thumbprint} is uploaded under Certificates & secrets of the app registration and has not expired."),
            _ => "Microsoft Entra refused the credentials: check the tenant, the application (client) id, and that the secret is the secret's value (not its id) and has not expired.".to_owned(),
        },
        FailureCause::TokenNotAccepted if matches!(auth, AuthMethod::Basic { .. }) => "Business Central refused the user name or the web service access key: open the user card in Business Central, check the user name, and generate a new Web Service Access Key if it has expired.".to_owned(),
        FailureCause::TokenNotAccepted => match side {
            Side::Erp => "Entra issued a token but Business Central refused it: register the application on the Microsoft Entra Applications page in Business Central, grant consent, and set its state to Enabled.".to_owned(),
            Side::Crm => "Entra issued a token but Dataverse refused it: add the application as an application user of this environment (Power Platform admin center > Environment > Settings > Application users).".to_owned(),
        },
        FailureCause::NoPrivileges => match side {
            Side::Erp => "The application lacks permissions: in Business Central, give the Microsoft Entra application permission sets that can read and write customers and salespeople, and access to the company.".to_owned(),
            Side::Crm => "The application user lacks privileges: assign it a security role that can read and write accounts and read users (for example a copy of Salesperson with organization-level access).".to_owned(),
        },
        FailureCause::NotFound => match side {
            Side::Erp => "No such environment or company for this tenant: check the environment name (as shown in the Business Central admin center) and the company.".to_owned(),
            Side::Crm => "No Dataverse environment at this URL: copy the environment URL from the Power Platform admin center (https://yourorg.crm.dynamics.com).".to_owned(),
        },
        FailureCause::Throttled => format!("{service} asked Couplet to slow down: wait a minute and test again."),
        FailureCause::ServiceError => format!("{service} failed or answered something unexpected: test again; if it persists, the message above is what to give to support."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: ErrorKind, message: &str) -> EndpointError {
        EndpointError::new(kind, Side::Crm, message)
    }

    #[test]
    fn a_name_lookup_failure_is_told_apart_from_a_refused_connection() {
        let dns = error(
            ErrorKind::Connection,
            "could not reach nowhere.invalid: error sending request: dns error: failed to lookup address information",
        );
        assert_eq!(
            cause_of(CheckStep::Service, &dns),
            FailureCause::NameNotFound
        );
        let refused = error(
            ErrorKind::Connection,
            "could not reach 127.0.0.1: error sending request: tcp connect error: Connection refused (os error 111)",
        );
        assert_eq!(
            cause_of(CheckStep::Service, &refused),
            FailureCause::Unreachable
        );
    }

    #[test]
    fn a_401_from_the_token_endpoint_differs_from_one_from_the_service() {
        let e = error(ErrorKind::Auth, "refused");
        assert_eq!(cause_of(CheckStep::Token, &e), FailureCause::TokenRefused);
        assert_eq!(
            cause_of(CheckStep::Service, &e),
            FailureCause::TokenNotAccepted
        );
        assert!(
            hint(
                Side::Crm,
                &AuthMethod::ClientSecret,
                CheckStep::Service,
                FailureCause::TokenNotAccepted
            )
            .contains("application user")
        );
    }

    #[test]
    fn steps_after_a_failure_are_listed_as_skipped() {
        let checks = Checks {
            side: Side::Erp,
            auth: AuthMethod::ClientSecret,
            done: Vec::new(),
            companies: Vec::new(),
        };
        let tested = checks.fail_endpoint(
            CheckStep::Settings,
            EndpointError::new(ErrorKind::Config, Side::Erp, "bad URL"),
        );
        let statuses: Vec<CheckStatus> = tested.view.checks.iter().map(|c| c.status).collect();
        assert_eq!(
            statuses,
            vec![
                CheckStatus::Failed,
                CheckStatus::Skipped,
                CheckStatus::Skipped,
                CheckStatus::Skipped,
                CheckStatus::Skipped
            ]
        );
        assert!(!tested.view.passed);
        assert!(tested.settled.is_err());
    }
}
