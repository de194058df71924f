import { Field, Input } from "@fluentui/react-components";

type Props = {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** What is wrong with the value, once the user tried to go on. */
  problem?: string;
  hint?: string;
  placeholder?: string;
  required?: boolean;
  disabled?: boolean;
  password?: boolean;
};

/** One labelled text input of the wizard. */
export function TextField({ label, value, onChange, problem, hint, placeholder, required, disabled, password }: Props) {
  return (
    <Field label={label} required={required} validationMessage={problem} hint={hint}>
      <Input
        value={value}
        type={password ? "password" : "text"}
        placeholder={placeholder}
        disabled={disabled}
        autoComplete="off"
        spellCheck={false}
        onChange={(_, data) => onChange(data.value)}
      />
    </Field>
  );
}
