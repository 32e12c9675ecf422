import { randomBytes } from 'node:crypto';
import { createScaledClock } from '../core/clock.js';
import { cryptoRandom } from '../core/random.js';
import { VAULT_NAME, OBJECT_NAME } from '../events/key-vault-event.js';
import { createSimulator } from '../simulator.js';
import { DELIVERY_FLAGS_HELP, deliveryFlagOptions, readDeliveryFlags } from './delivery-flags.js';
import { buildRunReport, formatRunSummary } from './delivery-report.js';
import { createOutput, type CommandIO } from './output.js';
import { FlagReader, parseFlags, type FlagOptions } from './parse-flags.js';
import { progressPrinter } from './progress.js';
import { UsageError } from './usage-error.js';

export const ROTATE_HELP = `Usage: npm run simulate -- rotate --target URL --subscription NAME --vault V --secret S [options]

Rotates secret S in an emulated Key Vault V: stores a new version (a random value, never sent) and
delivers the SecretNewVersionCreated event Key Vault emits for it, exactly as Azure shapes it:
32-hex version, data.Id https://V.vault.azure.net/secrets/S/VERSION, topic the vault's resource id,
subject S, PascalCase data (Id, VaultName, ObjectType, ObjectName, Version, NBF, EXP).
The subscription handshake runs first.

Exits 0 when the event was acknowledged, 1 otherwise, 2 on a usage error.

Key Vault:
  --vault V                 vault name, 3-24 letters, digits, dashes (required)
  --secret S                secret name, 1-127 letters, digits, dashes (required)
  --azure-subscription ID   Azure subscription id in the topic (default 00000000-0000-0000-0000-000000000000)
  --resource-group RG       resource group in the topic (default rg-secrets)

${DELIVERY_FLAGS_HELP}

Example:
  npm run simulate -- rotate --target http://127.0.0.1:8080 --subscription kv-rotation \\
    --vault kv-prod --secret db-password`;

export const ROTATE_FLAGS: FlagOptions = {
  ...deliveryFlagOptions,
  vault: { type: 'string' },
  secret: { type: 'string' },
  'azure-subscription': { type: 'string' },
  'resource-group': { type: 'string' },
};

export async function rotateCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const flags = parseFlags('rotate', argv, ROTATE_FLAGS, false);
  const reader = new FlagReader('rotate', flags);
  if (reader.boolean('help')) {
    io.stdout(`${ROTATE_HELP}\n`);
    return 0;
  }
  const settings = readDeliveryFlags('rotate', reader);
  const vault = reader.required('vault');
  const secret = reader.required('secret');
  if (!VAULT_NAME.test(vault))
    throw new UsageError(
      `--vault must be 3-24 letters, digits or dashes, got ${JSON.stringify(vault)}`,
      'rotate',
    );
  if (!OBJECT_NAME.test(secret)) {
    throw new UsageError(
      `--secret must be 1-127 letters, digits or dashes, got ${JSON.stringify(secret)}`,
      'rotate',
    );
  }
  const azureSubscriptionId = reader.string('azure-subscription');
  const resourceGroup = reader.string('resource-group');
  const output = createOutput(io, settings.json);
  const clock = createScaledClock({ scale: settings.timeScale });
  const simulator = await createSimulator({
    clock,
    random: cryptoRandom,
    responseTimeoutMs: settings.responseTimeoutMs,
    validationWindowMs: settings.validationWindowMs,
    allowedTargets: [settings.target],
  });
  try {
    simulator.on(progressPrinter(output, () => clock.now()));
    const topic = simulator.keyVault.createVault(vault, {
      ...(azureSubscriptionId === undefined ? {} : { azureSubscriptionId }),
      ...(resourceGroup === undefined ? {} : { resourceGroup }),
    });
    const subscription = await simulator.subscribe({ ...settings.subscription, topic });
    const sources = new Map<string, string>();
    if (subscription.state === 'Succeeded') {
      const rotated = simulator.keyVault.setSecret(vault, secret, randomBytes(24).toString('base64url'));
      sources.set(rotated.event.id, `rotate ${vault}/${secret}`);
      output.progress(`rotated ${vault}/${secret} to version ${rotated.version}`);
      await simulator.drain();
    }
    const run = buildRunReport(settings.target, subscription, simulator.report(), sources);
    output.result(settings.json ? JSON.stringify(run, null, 2) : formatRunSummary(run));
    return run.ok ? 0 : 1;
  } finally {
    await simulator.close();
  }
}
