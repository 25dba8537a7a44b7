import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../platform/auth';
import { ID } from '../../platform/graphql/id.scalar';
import type { DeviceRow } from './devices.repository';
import { DevicesService } from './devices.service';
import { Device } from './types/device.type';
import { RegisterDeviceInput } from './types/register-device.input';

@Resolver()
export class DevicesResolver {
  constructor(private readonly devices: DevicesService) {}

  @Authorized()
  @Mutation(() => Device, {
    description: 'Registers this app for push notifications; call it on every start. The same token again updates it; a token another account held moves to this one.',
  })
  registerDevice(@Arg('input', () => RegisterDeviceInput) input: RegisterDeviceInput, @Ctx() ctx: Context): Promise<DeviceRow> {
    return this.devices.register(ctx, input);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Stops push notifications to one of your devices (on sign-out). NOT_FOUND if it is not yours.' })
  async unregisterDevice(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await this.devices.unregister(ctx, id);
    return true;
  }

  @Authorized()
  @Query(() => [Device], { description: 'Your devices that receive push notifications, most recently registered first.' })
  myDevices(@Ctx() ctx: Context): Promise<DeviceRow[]> {
    return this.devices.mine(ctx);
  }
}
