import { MessageBar, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";

/** Shows a failed command's message, as the backend wrote it for people. */
export function ErrorBar({ title, error }: { title: string; error: unknown }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {message}
      </MessageBarBody>
    </MessageBar>
  );
}
