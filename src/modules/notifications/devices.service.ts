import { signedIn, type Context } from '../../platform/auth';
import { badInput, notFound } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { assertId } from '../../platform/validation';
import type { DeviceRow, DevicesRepository } from './devices.repository';
import { DevicePlatform } from './types/device.type';

/** Devices a person keeps registered at once; registering one more drops the least recently registered. */
export const DEVICES_PER_USER = 10;

export interface DeviceInput {
  platform: DevicePlatform;
  pushToken: string;
  appVersion: string;
  locale: string;
}

/** The signed-in person's devices: where their push notifications go. */
export class DevicesService {
  constructor(
    private readonly repository: DevicesRepository,
    private readonly logger: Logger,
  ) {}

  async register(ctx: Context, input: DeviceInput): Promise<DeviceRow> {
    const userId = signedIn(ctx);
    const pushToken = input.pushToken.trim();
    // An APNs device token is hex (64 characters today; Apple says not to rely on the length).
    if (input.platform === DevicePlatform.IOS && !/^[0-9a-fA-F]{32,200}$/.test(pushToken)) {
      throw badInput('pushToken', 'must be the APNs device token in hex for IOS');
    }
    const device = await this.repository.upsert(userId, { platform: input.platform, pushToken, appVersion: input.appVersion.trim(), locale: input.locale }, DEVICES_PER_USER);
    this.logger.info({ deviceId: device.id, platform: device.platform }, 'device registered');
    return device;
  }

  async unregister(ctx: Context, id: string): Promise<void> {
    if (!(await this.repository.remove(signedIn(ctx), assertId('id', id)))) throw notFound('Device');
  }

  mine(ctx: Context): Promise<DeviceRow[]> {
    return this.repository.ofUser(signedIn(ctx));
  }
}
