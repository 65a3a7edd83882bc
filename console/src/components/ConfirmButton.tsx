import { Button, ButtonProps, Group, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { ReactNode } from 'react';

interface Props extends ButtonProps {
  /** What the dialog asks, e.g. "Delete rule cs/2023/fall?" */
  question: string;
  details?: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  children: ReactNode;
}

/** A button whose action runs only after the user confirms it in a dialog. */
export function ConfirmButton({
  question,
  details,
  confirmLabel,
  onConfirm,
  children,
  ...button
}: Props) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button {...button} onClick={open}>
        {children}
      </Button>
      <Modal opened={opened} onClose={close} title={question} size="lg">
        <Stack>
          {details && <Text component="div">{details}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              color={button.color ?? 'red'}
              onClick={() => {
                close();
                onConfirm();
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
